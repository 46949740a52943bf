/**
 * The activation's half of a run, on the system's clock: the primary region activated and then
 * deactivated over HTTP with the orchestration driver and the recovery worker running, optionally
 * one more activation with provisioning latency and limited capacity, then, with the drivers
 * stopped, the activation's floor.
 */
import { ensureErrorType } from '../src/domain/errors';
import { resetBackupAccount } from './backupRegion';
import { activationFloorPhase } from './activationFloorPhase';
import { activationPhase, type ActivationPart } from './activationPhase';
import { deactivationPhase } from './deactivationPhase';
import { describeError } from './describeError';
import { realisticActivationPhase } from './realisticActivationPhase';
import { startRecoveryDrivers } from './recoveryDrivers';
import type { RealisticActivation } from './runDetails';
import type { RunEnvironment } from './runEnvironment';
import type { RunPart } from './runResult';

export async function activationHalf(env: RunEnvironment): Promise<RunPart[]> {
  const { settings } = env;
  env.clock.followSystemClock();
  const drivers = await startRecoveryDrivers(env);
  let activation: ActivationPart;
  let deactivation: RunPart;
  let realistic: RealisticActivation | { error: string } | undefined;
  try {
    activation = await activationPhase(env, drivers);
    deactivation = await deactivationPhase(env, drivers, activation.measurement.activationId);
    // The backup account as the activation found it: the points (with their read snapshots) alone.
    await resetBackupAccount(env.backup);
    if (settings.realistic) realistic = await realisticActivationPhase(env, drivers, settings.realistic);
  } finally {
    // Stopped before the account is reset: devices waiting for capacity would try again meanwhile.
    await drivers.stop();
  }
  if (settings.realistic) {
    try {
      await resetBackupAccount(env.backup);
    } catch (err) {
      const error = `resetting the backup account after it failed: ${describeError(ensureErrorType(err))}`;
      settings.log(`[bench]   the activation with latency and capacity: ${error}`);
      realistic = { error };
    }
  }
  // The activation's floor: its storage and queue calls issued bare, from the same storage.
  const floor = await activationFloorPhase(env, activation);
  const realisticPart: RunPart | undefined = realistic && {
    figures: {},
    details: { realistic },
    requests: {},
    peakRssMiB: {},
    cpu: {},
  };
  return [activation, deactivation, floor, ...(realisticPart ? [realisticPart] : [])];
}
