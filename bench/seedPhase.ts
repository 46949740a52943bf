/**
 * In place of the cycle, the activation's half alone (`only: 'activation'`) starts from one seeded
 * verified restore point per device (bench/seedPoints.ts); timed, as `details.setup.seedSeconds`.
 */
import type { RunEnvironment } from './runEnvironment';
import { seedRestorePoints } from './seedPoints';

/** Seeds the points; returns how long it took, in ms. */
export async function seedPhase(env: RunEnvironment): Promise<number> {
  const started = performance.now();
  await seedRestorePoints({
    primary: env.primary,
    backup: env.backup,
    tenantId: env.tenantId,
    ids: env.ids,
    takenAt: new Date(env.dueAt),
    now: new Date(env.dueAt),
    diskBytes: env.settings.diskBytes,
    concurrency: env.settings.diskCreateConcurrency,
  });
  const seedMs = performance.now() - started;
  env.settings.log(
    `[bench]   seeded ${env.devices} verified restore points: ${(seedMs / 1000).toFixed(1)} s`,
  );
  return seedMs;
}
