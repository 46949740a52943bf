/**
 * The driver's own storage calls are bounded: with its account blackholed (connections accepted,
 * nothing answered) opening the hub, reading an instance and sending a turn each end at their
 * budget with `UnavailableError` naming the task hub, and their sockets are closed, instead of the
 * driver hanging on them. Real Azurite behind a TCP proxy (test/support/blackhole.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { budgetsWith } from '../../../src/adapters/deadlines/budgets';
import type { Connection } from '../../../src/config';
import { UnavailableError } from '../../../src/domain/errors';
import { openTaskHub, taskHubDependency, type TaskHub } from '../../../src/local/durable/openTaskHub';
import { proxiedRegion, type ProxiedRegion } from '../../support/outage';

/** Short budgets, so an unanswered call ends in a fraction of a second; the breaker stays closed. */
const budgets = budgetsWith({
  worker: { read: 300, write: 300, copy: 300 },
  breaker: { failureThreshold: 100 },
});

describe('openTaskHub', () => {
  let account: ProxiedRegion;
  let connection: Connection;
  let hub: TaskHub;
  const taskHub = `hub${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  beforeAll(async () => {
    account = await proxiedRegion(inject('emulators'), 'westeurope');
    connection = { kind: 'connectionString', connectionString: account.connectionString };
    hub = await openTaskHub(connection, taskHub, { budgets });
  });
  afterAll(async () => await account?.close());

  it('reads and sends through an account that answers', async () => {
    account.setMode('pass');
    expect(await hub.store.readInstance('nobody')).toBeUndefined();
    await hub.queues.requestTurn('nobody');
  });

  it("ends each call a blackholed account never answers at the call's budget, naming the task hub", async () => {
    account.setMode('blackhole');
    try {
      const unavailable = { name: 'UnavailableError', dependency: taskHubDependency };
      await expect(hub.store.readInstance('nobody')).rejects.toMatchObject(unavailable);
      await expect(hub.store.deleteRows('nobody', ['inbox|*|k'])).rejects.toMatchObject(unavailable);
      await expect(hub.queues.requestTurn('nobody')).rejects.toMatchObject(unavailable);
      const receive = hub.queues.control.receiveMessages({ numberOfMessages: 1 });
      await expect(receive).rejects.toBeInstanceOf(UnavailableError);
      // A driver starting while its storage is dark fails to start, rather than waiting for it.
      await expect(openTaskHub(connection, taskHub, { budgets })).rejects.toMatchObject(unavailable);
      // The calls were aborted, not abandoned: the client closed every socket the blackhole held.
      expect(account.table.swallowedBytes() + account.queue.swallowedBytes()).toBeGreaterThan(0);
      await expect.poll(() => account.brokenConnections(), { timeout: 5_000 }).toBe(0);
    } finally {
      account.setMode('pass');
    }
    // And the hub works again once the account answers: nothing was left half-sent.
    expect(await hub.store.readInstance('nobody')).toBeUndefined();
  });
});
