/**
 * The targets for the control plane, checked on the median of the size they were set for
 * (N = 50,000) or, marked indicative, of the largest size measured.
 */
import type { BenchmarkReport, SizeResult, TargetCheck } from './benchmarkReport';

/** The fleet size the targets are set for. */
export const targetDevices = 50_000;
/** Windows 365's recovery time objective for a region, against which the activation is set. */
export const rtoWindowSeconds = 4 * 3600;

/** A target's check, or undefined when its figure was not measured. */
function target(
  name: string,
  goal: string,
  value: number | undefined,
  met: (value: number) => boolean,
): TargetCheck | undefined {
  return value === undefined ? undefined : { name, target: goal, value, met: met(value) };
}

export function checkTargets(sizes: readonly SizeResult[]): BenchmarkReport['targets'] {
  const measured = sizes.filter((s) => s.median !== undefined);
  const at =
    measured.find((s) => s.devices === targetDevices) ??
    [...measured].sort((a, b) => b.devices - a.devices)[0];
  if (!at?.median) return undefined;
  const m = at.median;
  return {
    appliesAt: targetDevices,
    measuredAt: at.devices,
    indicative: at.devices !== targetDevices,
    // Those of the phases the runs measured: a half (`only`) checks its own.
    checks: [
      target('throughput ÷ floor', '≥ 0.7', m.cycleToFloorRatio, (v) => v >= 0.7),
      target('compliance p99 while the cycle runs', '< 100 ms', m.complianceP99Ms, (v) => v < 100),
      target('control-plane peak RSS', '< 1024 MiB', m.controlPlanePeakRssMiB, (v) => v < 1024),
      target('Cosmos requests per device per cycle', '≤ 3', m.cosmosRequestsPerDevice, (v) => v <= 3),
      target('activation ÷ floor', '≥ 0.7', m.activationToFloorRatio, (v) => v >= 0.7),
      target('status p99 while the activation runs', '< 100 ms', m.activationStatusP99Ms, (v) => v < 100),
      target(
        "share of Windows 365's 4-hour RTO, %",
        '< 5',
        m.fourHourRtoShareAt50k === undefined ? undefined : m.fourHourRtoShareAt50k * 100,
        (v) => v < 5,
      ),
    ].filter((check) => check !== undefined),
  };
}
