/**
 * Everything a run records beyond its headline figures: the set-up's times, each phase's events,
 * worker outcomes and probe latencies, requests per device by kind, peak memory and CPU per process.
 */
import type { WaveTimes } from './activation';
import type { CreationCheck } from './backupRegion';
import type { ManagedCycleResult } from './managedCyclePhase';
import type { RequestTally, Destination } from './requestCounter';

export interface PhaseRequests {
  perDevice: Record<Destination, number>;
  perDeviceByKind: Record<string, number>;
  /** Storage requests by container, queue or table and operation (`blob:restore-points:snapshot`). */
  perDeviceByResource: Record<string, number>;
  /** Of the storage requests, those of the orchestration driver's task hub (its table and queues). */
  taskHubPerDevice: number;
  /** Mean request body bytes by kind. */
  meanBytesByKind: Record<string, number>;
  total: number;
  /** Re-sends by the SDKs' retry policies during the phase, by kind (not in the counts above). */
  retriesByKind: Record<string, number>;
  /** Requests of the benchmark's own probes during the phase (not in the counts above). */
  excluded: RequestTally['excluded'];
}

export interface RunDetails {
  setup: {
    emulatorsSeconds: number;
    disksSeconds: number;
    importSeconds: number;
    importDevicesPerSecond: number;
    /** The activation's half alone (`only: 'activation'`): seeding one verified point per device. */
    seedSeconds?: number;
  };
  /** This and each part below for a phase is absent when the run left the phase out. */
  cycle?: {
    schedulerSeconds: number;
    dispatched: number;
    timedBy: string;
    summaryAllVerifiedSeconds: number;
    verifiedInBackupRegion: number;
    workerOutcomes: Record<string, number>;
    events: Record<string, number>;
    failures: Record<string, number>;
    workerProblems: number;
    firstWorkerProblem?: string;
    /**
     * How late the control plane's event loop ran timers during the cycle: work queued behind the
     * workers' handlers, which every HTTP request (the compliance probe's too) waits for.
     */
    eventLoopDelayMs: { p50: number; p99: number; max: number };
  };
  floor?: { sendSeconds: number; messagePadChars: number };
  /** The managed-disk cycle (`only: 'managed-cycle'`): both cycles measured, their bounds, the model. */
  managedCycle?: ManagedCycleResult;
  activation?: ActivationDetails;
  deactivation?: DeactivationDetails;
  activationFloor?: { sendSeconds: number; redeliveries: number };
  /** The activation with provisioning latency and limited capacity, when asked for (or why it failed). */
  realistic?: RealisticActivation | { error: string };
  requests: {
    cycle?: PhaseRequests;
    floor?: PhaseRequests;
    /** Storage kinds whose per-device counts differ between the cycle and the floor. */
    floorVersusCycle?: KindDifference[];
    activation?: PhaseRequests;
    deactivation?: PhaseRequests;
    activationFloor?: PhaseRequests;
    /** Storage kinds whose per-device counts differ between the activation and its floor. */
    floorVersusActivation?: KindDifference[];
    /** The same without the task hub's requests: the recovery path's own calls against the floor's. */
    floorVersusRecoveryPath?: KindDifference[];
  };
  peakRssMiB: Record<'setup', ProcessFigures> &
    Partial<Record<Phase, ProcessFigures>> & {
      controlPlaneLifetime: number;
      /** False where peaks could not be reset per phase: each then covers the process's life so far. */
      perPhase: boolean;
    };
  compliance?: {
    samples: number;
    errors: number;
    meanMs: number;
    maxMs: number;
    firstError?: string;
    /** The same request with nothing else running (before the cycle), 20 times in a row. */
    idle: { p50Ms: number; p99Ms: number; errors: number };
  };
  /**
   * CPU time of each process per device, and how many cores it kept busy on average (CPU time ÷
   * wall time): where the time goes. The cycle's control-plane CPU includes the probes it answered.
   */
  cpu: Partial<Record<Exclude<Phase, 'setup'>, PhaseCpu>>;
}

/** The phases whose memory and CPU are measured apart. */
export type Phase = 'setup' | 'cycle' | 'floor' | 'activation' | 'deactivation' | 'activationFloor';

export interface PhaseCpu {
  msPerDevice: ProcessFigures;
  coresBusy: ProcessFigures;
  /** Cores' worth of time the hypervisor gave to other guests (steal), on average; absent off Linux. */
  stolenCores?: number;
}

export interface KindDifference {
  kind: string;
  /** Per device in the product's phase (the cycle or the activation), and in its floor. */
  cycle: number;
  floor: number;
}

export interface StatusProbeDetails {
  samples: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  firstError?: string;
}

export interface ActivationDetails {
  activationId: string;
  /** Where the end came from: the product's `activation.completed` event, or the status URL. */
  timedBy: string;
  /** Non-zero device counts by state at the end. */
  counts: Record<string, number>;
  /** From the request to every task planned (the report's `plannedAt`): before the first wave. */
  planningSeconds: number;
  /** Per wave (a priority tier): devices, start to end, start after the request (the report's times). */
  waves: WaveTimes[];
  /**
   * Tasks the driver re-dispatched as left by an older epoch (`activation.redispatched`): 0 with
   * one driver and no adoption.
   */
  redispatchedTasks: number;
  /** From the POST to the last `recovery.recovered`. */
  lastRecoveredSeconds: number;
  recoveredEvents: number;
  /** The provider's creations of this activation's temporary devices: N names, each once. */
  creations: CreationCheck;
  workerOutcomes: Record<string, number>;
  workerProblems: number;
  firstWorkerProblem?: string;
  /** Warnings and errors the orchestration driver logged. */
  driverProblems: number;
  firstDriverProblem?: string;
  events: Record<string, number>;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  status: StatusProbeDetails;
}

export interface DeactivationDetails {
  timedBy: string;
  counts: Record<string, number>;
  /** The activation's temporary devices still in the backup region afterwards: must be 0. */
  temporaryDevicesLeft: number;
  workerOutcomes: Record<string, number>;
  workerProblems: number;
  firstWorkerProblem?: string;
  events: Record<string, number>;
  status: StatusProbeDetails;
}

export interface RealisticActivation {
  provisioningMs: number;
  /** Temporary devices the backup region may hold at once; null for unlimited. */
  capacity: number | null;
  /**
   * `completed`, or `capacity-exhausted`: every device dispatched so far is recovered or waiting
   * for capacity, which the simulated provider frees only on deactivation, so the run stops there.
   */
  outcome: 'completed' | 'capacity-exhausted';
  /** From the POST to the end (above). */
  wallSeconds: number;
  /** The measured RTO: from the POST to the last device recovered (null when none was). */
  rtoSeconds: number | null;
  /** The same as the activation's report gives it (request to last recovered), once completed. */
  reportRtoSeconds: number | null;
  firstSeconds: number | null;
  recovered: number;
  /** Devices recovered ÷ the measured RTO. */
  devicesPerSecond: number | null;
  counts: Record<string, number>;
  waves: WaveTimes[];
  creations: CreationCheck;
  workerOutcomes: Record<string, number>;
  redispatchedTasks: number;
  events: Record<string, number>;
  status: StatusProbeDetails;
  /** Cosmos and storage requests per device recovered. */
  cosmosRequestsPerDevice: number;
  storageRequestsPerDevice: number;
}

export interface ProcessFigures {
  controlPlane: number;
  azurite: number;
  cosmos: number;
}
