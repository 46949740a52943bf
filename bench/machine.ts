/** Where a benchmark ran: the machine (and how loaded it was) and the commit, read-only. */
import { execFileSync } from 'node:child_process';
import { arch, cpus, loadavg, release, totalmem, type as osType } from 'node:os';

export interface MachineInfo {
  cpus: number;
  model: string;
  memoryBytes: number;
  node: string;
  os: string;
  /** 1, 5 and 15-minute load averages as the benchmark started and ended: other work on the machine skews every figure. */
  loadAverage: { atStart: number[]; atEnd: number[] };
}

export interface CommitInfo {
  sha: string;
  /** Uncommitted changes in the working tree when the benchmark ran. */
  dirty: boolean;
}

export function machineInfo(loadAtStart: readonly number[]): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    os: `${osType()} ${release()} ${arch()}`,
    loadAverage: { atStart: loadAtStart.map(twoDecimals), atEnd: loadavg().map(twoDecimals) },
  };
}

function twoDecimals(n: number): number {
  return Math.round(n * 100) / 100;
}

/** `git rev-parse HEAD` and whether `git status --porcelain` shows anything; read-only. */
export function commitInfo(cwd: string): CommitInfo {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return { sha: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain').length > 0 };
  } catch {
    return { sha: 'unknown', dirty: true };
  }
}
