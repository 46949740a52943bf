/** What a benchmark writes: every run of every fleet size, the machine, the commit, the targets. */
import type { FleetProgress } from './fleet';
import type { CommitInfo, MachineInfo } from './machine';
import type { RunDetails } from './runDetails';
import type { RunFigures } from './runFigures';
import type { RecordedSettings } from './settings';

export interface RunResult {
  run: number;
  figures: RunFigures;
  details: RunDetails;
}

/** A run that did not finish: why, and how far it got. */
export interface RunFailure {
  run: number;
  error: string;
  /** For a set-up that ran out of time: disks written and devices imported by then. */
  setup?: FleetProgress;
  /** For a cycle that ran out of time: devices recorded, and the rate until then. */
  recorded?: number;
  elapsedSeconds?: number;
  restorePointsPerSecondSoFar?: number;
  /** The phases the run had done before it failed, each with its figures (as it checkpointed them). */
  phasesDone?: UnfinishedRun['phasesDone'];
}

export interface SizeResult {
  devices: number;
  /** The runs that finished. */
  runs: RunResult[];
  failures: RunFailure[];
  /**
   * The median of each figure over the finished runs (each ratio is from one run; this is their
   * median); undefined when none finished.
   */
  median: RunFigures | undefined;
}

export interface TargetCheck {
  name: string;
  target: string;
  value: number;
  met: boolean;
}

export interface BenchmarkReport {
  startedAt: string;
  finishedAt: string;
  /**
   * Written after each run and each phase of a run, so a long benchmark stopped early keeps what it
   * measured: `currentRun` holds the figures of the phases the unfinished run has done.
   */
  inProgress?: { runsDone: number; runsPlanned: number; currentRun?: UnfinishedRun };
  machine: MachineInfo;
  commit: CommitInfo;
  settings: RecordedSettings;
  sizes: SizeResult[];
  /** The targets, checked at N = 50,000 (or, marked indicative, at the largest N run). */
  targets: { appliesAt: number; measuredAt: number; indicative: boolean; checks: TargetCheck[] } | undefined;
}

export interface UnfinishedRun {
  devices: number;
  run: number;
  phasesDone: { phase: string; figures: Partial<RunFigures> }[];
}

export interface BenchmarkOutcome {
  report: BenchmarkReport;
  jsonFile: string;
  markdownFile: string;
  table: string;
}
