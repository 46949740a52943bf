/**
 * The sizing table of docs/recovery-sizing.md, computed by the bound model (recoveryBound.ts), not
 * measured: for a fleet and an RTO target, the fewest subscriptions whose bound meets it, with and
 * without a DR host pool. Printed by `npm run bench -- --only recovery-arm`.
 */
import {
  assumedProvisioning,
  devicesWithHostPool,
  devicesWithoutHostPool,
  recoveryBound,
  smallestSubscriptions,
  type ProvisioningModel,
} from './recoveryBound';

export interface SizingTarget {
  name: string;
  seconds: number;
}

/** learn.microsoft.com/windows-365/enterprise/cross-region-disaster-recovery and …/disaster-recovery-plus. */
export const windows365Targets: SizingTarget[] = [
  { name: 'Windows 365 cross-region DR (< 4 h for < 50,000 Cloud PCs in a region)', seconds: 4 * 3600 },
  { name: 'Windows 365 Disaster Recovery Plus (< 31 min, reserved capacity)', seconds: 31 * 60 },
];

/** AVD_DOUBLE.md's assumed timings: the Run Command's script (20 s), then the host appearing (60 s). */
export const assumedRegistrationSeconds = 80;

export interface SizingRow {
  target: string;
  targetSeconds: number;
  hostPool: boolean;
  subscriptions: number | undefined;
  boundSeconds: number | undefined;
  /** The bound with one subscription fewer (why fewer does not do). */
  oneFewerSeconds: number | undefined;
}

export function sizingTable(
  devices: number,
  targets: SizingTarget[] = windows365Targets,
  provisioning: ProvisioningModel = assumedProvisioning,
): SizingRow[] {
  const rows: SizingRow[] = [];
  for (const target of targets)
    for (const hostPool of [false, true]) {
      const fleet = { devices, ...(hostPool ? devicesWithHostPool : devicesWithoutHostPool) };
      const model = hostPool
        ? { ...provisioning, registrationSeconds: assumedRegistrationSeconds }
        : provisioning;
      const found = smallestSubscriptions(fleet, target.seconds, model);
      const fewer =
        found && found.subscriptions > 1
          ? recoveryBound({ ...fleet, subscriptions: found.subscriptions - 1 }, model).seconds
          : undefined;
      rows.push({
        target: target.name,
        targetSeconds: target.seconds,
        hostPool,
        subscriptions: found?.subscriptions,
        boundSeconds: found?.bound.seconds,
        oneFewerSeconds: fewer,
      });
    }
  return rows;
}
