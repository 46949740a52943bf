/**
 * A smoke run of `npm run bench -- --only recovery-arm-product` (N = 6, a fast ARM clock): the
 * fleet registered and protected by the product, the region activated over HTTP in Azure settings
 * and recovered by the orchestration and the queue worker against the ARM double at the documented
 * limits. It checks that every figure is measured, that each device got exactly one VM, disk and NIC
 * from its own verified point in one wave, and that no call went over ARM's budget; never how fast
 * (benchmarks are not tests). The bench starts its own emulators, as `npm run bench` does.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecoveryArmProductResult } from '../../bench/recoveryArmProduct';
import { runRecoveryArmBenchmark } from '../../bench/recoveryArmRun';

const devices = 6;

describe('the recovery-arm-product benchmark (smoke run, N = 6)', () => {
  let dir: string;
  let table: string;
  let result: RecoveryArmProductResult;
  let saved: { results: RecoveryArmProductResult[]; failures: unknown[]; started: string };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clouddr-bench-product-'));
    const outcome = await runRecoveryArmBenchmark({
      path: 'product',
      devices: [devices],
      subscriptions: [1],
      // Fast enough for a test; what the figures are at this scale is not what is checked.
      timeScale: 30,
      timeoutMinutes: 5,
      resultsDir: dir,
      log: () => undefined,
    });
    table = outcome.table;
    const files = await readdir(dir);
    expect(files).toEqual([expect.stringMatching(/^recovery-arm-product-.*\.json$/)]);
    saved = JSON.parse(await readFile(join(dir, files[0]!), 'utf8'));
    result = saved.results[0]!;
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('recovers every device once, from its own verified point, in one wave, within the budget', () => {
    expect(saved.failures).toEqual([]);
    expect(result.path).toBe('product');
    expect(result.status).toMatchObject({ state: 'completed', waves: 1 });
    expect(result.devices).toEqual({ ready: devices, failed: 0, timedOut: false });
    expect(result.events['recovery.recovered']).toBe(devices);
    expect(result.exactlyOnce).toEqual({
      vms: devices,
      disks: devices,
      nics: devices,
      wrongSource: 0,
      ok: true,
    });
    expect(result.overBudget).toBe(0);
    // The protocol's writes: a disk, a NIC and a VM per device; nothing deleted.
    expect(result.armCallsPerDevice.write).toBeGreaterThanOrEqual(3);
    expect(result.armCallsPerDevice.delete).toBe(0);
  });

  it('measures every figure on ARM’s clock, in the order the protocol allows', () => {
    for (const [figure, value] of Object.entries({
      rto: result.rtoSeconds,
      firstReady: result.firstReadySeconds,
      medianReady: result.medianReadySeconds,
      meanReady: result.meanReadySeconds,
      firstArmCall: result.firstArmCallSeconds,
      lastVmPut: result.lastVmPutSeconds,
      completed: result.completedSeconds,
      real: result.realSeconds,
      bound: result.bound.seconds,
      ratio: result.boundRatio,
    }))
      expect(Number.isFinite(value) && value > 0, `${figure}: ${value}`).toBe(true);
    // A device is ready no sooner than its VM's provisioning (the double's model) after the
    // recovery's first call: figures on another clock than ARM's would break this.
    expect(result.firstReadySeconds).toBeGreaterThanOrEqual(
      result.firstArmCallSeconds + result.bound.tailSeconds,
    );
    expect(result.lastVmPutSeconds).toBeLessThan(result.rtoSeconds);
    expect(result.rtoSeconds).toBeLessThanOrEqual(result.completedSeconds);
    expect(result.boundRatio).toBeCloseTo(result.bound.seconds / result.rtoSeconds, 2);
    expect(table).toMatch(
      new RegExp(
        `^\\| product \\| ${devices} \\| 1 \\| 30 \\|.* yes \\(${devices} ready, 0 failed\\) \\|$`,
        'm',
      ),
    );
  });
});
