/**
 * Issue 29's leftover session host: a pool's listing walked while other callers delete hosts. The
 * list pages by position (initialSkip), so a deletion before the page boundary moves the next host
 * back into the page already read; following nextLink then never sees it, and a deactivation that
 * looked for its VM's host by that listing left the record behind its deleted VM.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ArmHostPools } from '../../../src/adapters/avd/ArmHostPools';
import { AvdClients } from '../../../src/adapters/avd/createAvdClients';
import { startArmDouble, type ArmDouble } from '../../support/arm/startArmDouble';

const SUB = '00000000-0000-0000-0000-0000000000f2';
const RG = 'rg-dr-walk';
const REGION = 'westeurope';
const poolId = (n: number) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.DesktopVirtualization/hostPools/hp-walk-${n}`;
const vmId = (i: number) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/vm-${i}`;
const hostName = (i: number) => `pc-${i}.contoso.local`;
const HOSTS = 250;

describe('ArmHostPools: a session host is found while other hosts of the pool are being deleted', () => {
  let double: ArmDouble;
  let walker: ArmHostPools;
  let other: ArmHostPools;
  /** Hosts "another process" deletes right after the walker has read a page of the pool. */
  let deleteAfterPage: { hosts: number[]; done: boolean };
  let pools = 0;
  /** Each test's own pool of HOSTS hosts, so no test inherits another's deletions. */
  let POOL = '';
  const clientOptions = () => ({ credential: double.credential, ...double.clientOptions(), maxRetries: 0 });

  const interleave: PipelinePolicy = {
    name: 'deleteBetweenPages',
    sendRequest: async (request, next) => {
      const response = await next(request);
      if (request.method === 'GET' && /\/sessionHosts$/i.test(new URL(request.url).pathname)) {
        if (!deleteAfterPage.done) {
          deleteAfterPage.done = true;
          for (const i of deleteAfterPage.hosts) await other.removeSessionHost(POOL, hostName(i));
        }
      }
      return response;
    },
  };

  beforeAll(async () => {
    // Counted, not enforced: the test deletes more hosts at once than ARM's delete bucket holds.
    double = await startArmDouble({ timeScale: 1, throttling: 'count' });
    other = new ArmHostPools(new AvdClients(clientOptions()));
    walker = new ArmHostPools(new AvdClients({ ...clientOptions(), additionalPolicies: [interleave] }), {
      clock: { now: () => new Date(double.clock()) },
    });
  });
  afterAll(async () => await double?.close());

  beforeEach(() => {
    POOL = poolId((pools += 1));
    double.avd.seedHostPool({ id: POOL, location: REGION });
    for (let i = 0; i < HOSTS; i += 1)
      double.avd.seedSessionHost({ hostPoolId: POOL, name: hostName(i), vmId: vmId(i) });
  });

  it('is missed by following nextLink (the page-by-position behaviour the fix is for)', async () => {
    // Three hosts of the first page go after it was read: hosts 100-102 move into it.
    deleteAfterPage = { hosts: [3, 4, 5], done: false };
    const listed = new Set<string>();
    for await (const host of walker.listSessionHosts(POOL)) listed.add(host.name);
    expect(listed.has(hostName(100))).toBe(false);
    expect(double.avd.sessionHosts(POOL).map((h) => h.name)).toContain(hostName(100));
  });

  it('is found by a fresh lookup, whose pages overlap and step back when they moved', async () => {
    deleteAfterPage = { hosts: [3, 4, 5], done: false };
    const host = await walker.findSessionHostByVm(POOL, vmId(100), { fresh: true });
    expect(host).toMatchObject({ name: hostName(100), vmId: vmId(100) });
    expect(deleteAfterPage.done).toBe(true);
  });

  it('still finds every remaining host when a whole page-length of hosts goes between two pages', async () => {
    deleteAfterPage = { hosts: Array.from({ length: 120 }, (_, i) => i + 10), done: false };
    for (const i of [130, 0, 9, 199, 200, 249]) {
      // Each lookup is fresh, so each walks the pool again; only the first one meets the deletions.
      const host = await walker.findSessionHostByVm(POOL, vmId(i), { fresh: true });
      expect(host?.name, `host ${i}`).toBe(hostName(i));
    }
    expect(await walker.findSessionHostByVm(POOL, vmId(50), { fresh: true })).toBeUndefined();
  });
});
