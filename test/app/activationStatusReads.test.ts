/**
 * The status read of an activation reads its record and its counts at once; right after planning
 * ended, counts that went out first could miss planning's last page and show a share of fewer
 * devices than are in scope, above what the next poll shows. Then they are read again, after.
 */
import { describe, expect, it } from 'vitest';
import { ActivationService } from '../../src/app/ActivationService';
import type { TenantService } from '../../src/app/TenantService';
import type { Activation } from '../../src/domain/activation';
import type { WaveCounts } from '../../src/domain/recoveryTask';
import type { ActivationStore } from '../../src/ports/ActivationStore';

const tenantId = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';
const now = Date.parse('2026-01-01T00:10:00.000Z');

function activation(plannedAt: string): Activation {
  return {
    id: 'act-1',
    tenantId,
    idempotencyKey: 'k',
    requestHash: 'h',
    scope: { kind: 'region', region: 'westeurope' },
    recoverFirst: [],
    waveDeadlineMinutes: 60,
    state: 'recovering',
    requestedBy: 'oncall@contoso.test',
    requestedAt: '2026-01-01T00:00:00.000Z',
    plannedAt,
    waves: [],
    owner: { region: 'westeurope', epoch: 1, leaseUntil: '2026-01-01T00:11:00.000Z' },
    updatedAt: plannedAt,
  };
}

/** A store whose first counts read predates planning's last page (every device of it skipped), and later reads do not. */
function service(plannedAt: string) {
  const reads: WaveCounts[] = [{ 1: { skipped: 2 } }, { 1: { skipped: 2 }, 2: { planned: 2 } }];
  let countReads = 0;
  const store = {
    get: async () => activation(plannedAt),
    counts: async () => reads[Math.min(countReads++, reads.length - 1)]!,
  } as unknown as ActivationStore;
  const tenants = { get: async () => ({ id: tenantId }) } as unknown as TenantService;
  const clock = { now: () => new Date(now) };
  const events = { emit: () => undefined };
  const options = { leaseInMs: 60_000, pollIntervalInMs: 1_000 };
  return {
    service: new ActivationService(
      { store, tenants, knownRegions: new Set(['westeurope']), region: 'westeurope', clock, events },
      options,
    ),
    countReads: () => countReads,
  };
}

describe('ActivationService.get', () => {
  it('reads the counts again when planning ended about when the reads went out', async () => {
    const { service: activations, countReads } = service('2026-01-01T00:09:58.000Z');
    const report = await activations.get(tenantId, 'act-1');
    expect(countReads()).toBe(2);
    expect(report.total).toBe(4);
    expect(report.percentComplete).toBe(50);
  });

  it('reads them once when planning ended long before', async () => {
    const { service: activations, countReads } = service('2026-01-01T00:05:00.000Z');
    await activations.get(tenantId, 'act-1');
    expect(countReads()).toBe(1);
  });
});
