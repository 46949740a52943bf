/** What every handler of the double shares. */
import type { CopyEngine } from './copyEngine';
import type { FaultBook } from './faults';
import type { OperationBook } from './operations';
import type { SimulatedClock } from './simulatedClock';
import type { DoubleStats } from './stats';
import type { ArmStore } from './store';
import type { ArmLimits } from './types';

export interface ArmContext {
  store: ArmStore;
  copies: CopyEngine;
  operations: OperationBook;
  faults: FaultBook;
  clock: SimulatedClock;
  limits: ArmLimits;
  stats: DoubleStats;
  endpoint: () => string;
}

/** Locations compare without case or spaces ("West US" = "westus"), as ARM does. */
export function sameLocation(a: string, b: string): boolean {
  return normalizeLocation(a) === normalizeLocation(b);
}

export function normalizeLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, '');
}
