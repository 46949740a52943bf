/**
 * The headline figures of one run, phase by phase: what the tables print and the medians are taken
 * of. A run that leaves phases out (`BenchmarkOptions.only`) has none of their figures.
 */

/** The cycle's headline figures; all finite and positive. */
export interface CycleFigures {
  cycleSeconds: number;
  timeToFirstSeconds: number;
  restorePointsPerSecond: number;
  cosmosRequestsPerDevice: number;
  /** Blob, queue and table requests of the cycle, per device. */
  storageRequestsPerDevice: number;
  controlPlanePeakRssMiB: number;
  azuritePeakRssMiB: number;
  cosmosPeakRssMiB: number;
  complianceP50Ms: number;
  complianceP99Ms: number;
  complianceSamples: number;
  /** Cycle time as a share of a 1-hour RPO window. */
  oneHourRpoShare: number;
  /** Restore points one control plane takes per hour at this rate: the fleet a 1-hour RPO allows. */
  devicesPerHourAtThisRate: number;
}

/** The figures of the cycle's floor, and the cycle's ratio to it. */
export interface CycleFloorFigures {
  floorSeconds: number;
  floorTimeToFirstSeconds: number;
  floorRestorePointsPerSecond: number;
  /** Cycle throughput ÷ floor throughput, both from this run. */
  cycleToFloorRatio: number;
  floorStorageRequestsPerDevice: number;
}

/** The activation's own figures. */
export interface ActivationPhaseFigures {
  /** From the POST of the activation to its state `completed`; N ÷ that time. */
  activationSeconds: number;
  activationTimeToFirstSeconds: number;
  activationDevicesPerSecond: number;
  /** Request to last device recovered, as the activation's report gives it (`rtoSeconds`). */
  activationRtoSeconds: number;
  activationCosmosRequestsPerDevice: number;
  activationStorageRequestsPerDevice: number;
  activationControlPlanePeakRssMiB: number;
  activationAzuritePeakRssMiB: number;
  activationCosmosPeakRssMiB: number;
  /** `GET .../activations/{id}` while the activation runs. */
  activationStatusP50Ms: number;
  activationStatusP99Ms: number;
  activationStatusSamples: number;
  /**
   * 50,000 devices at this activation rate, as a share of Windows 365's 4-hour RTO (a fraction;
   * extrapolated unless N = 50,000).
   */
  fourHourRtoShareAt50k: number;
}

export interface DeactivationFigures {
  /** From the POST of the deactivation to its state `deactivated`; N ÷ that time. */
  deactivationSeconds: number;
  deactivationDevicesPerSecond: number;
  deactivationCosmosRequestsPerDevice: number;
  deactivationStorageRequestsPerDevice: number;
}

/** The figures of the activation's floor, and the activation's ratio to it. */
export interface ActivationFloorFigures {
  activationFloorSeconds: number;
  activationFloorDevicesPerSecond: number;
  /** Activation throughput ÷ its floor's, both from this run. */
  activationToFloorRatio: number;
  activationFloorStorageRequestsPerDevice: number;
}

/** The figures of the activation, the deactivation and the activation's floor. */
export interface ActivationFigures
  extends ActivationPhaseFigures, DeactivationFigures, ActivationFloorFigures {}

/**
 * The managed-disk cycle against the ARM double (`only: 'managed-cycle'`): each cycle's time in
 * the double's simulated time (Azure's) and in real time, the bound ARM's limits imply, and
 * ARM's side of it. Seeding is the first cycle (full copies); steady the next, an hour later.
 */
export interface ManagedCycleFigures {
  managedSeedingSimulatedSeconds: number;
  managedSeedingRealSeconds: number;
  managedSeedingBoundSeconds: number;
  /** bound ÷ measured (simulated), target ≥ 0.9. */
  managedSeedingBoundRatio: number;
  managedSeedingArmCallsPerDevice: number;
  managedSteadySimulatedSeconds: number;
  managedSteadyRealSeconds: number;
  managedSteadyBoundSeconds: number;
  managedSteadyBoundRatio: number;
  managedSteadyArmCallsPerDevice: number;
  /** Over both cycles: 429s ARM answered, calls that found their bucket empty (must be 0), copies in flight at most. */
  managedThrottled: number;
  managedOverBudget: number;
  managedMaxCopiesInFlight: number;
  /** Subscriptions per backup region for 50,000 devices (armCapacity.ts's assumptions). */
  managedSubscriptionsFor50kAt1h: number;
  managedSubscriptionsFor50kAt4h: number;
}

/**
 * Every headline figure of one run. A run that leaves phases out (`BenchmarkOptions.only`) has
 * none of their figures.
 */
export type RunFigures = { fleetSetupSeconds: number } & Partial<CycleFigures> &
  Partial<CycleFloorFigures> &
  Partial<ActivationFigures> &
  Partial<ManagedCycleFigures>;
