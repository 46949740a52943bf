/** Small statistics for the benchmark: percentiles (nearest rank) and medians. */

/** The p-th percentile by nearest rank (p in (0, 100]); undefined for no values. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** The median; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of every key across records with the same numeric keys. */
export function medianOfEach<T extends object>(records: readonly T[]): T {
  const first = records[0];
  if (!first) throw new RangeError('medianOfEach needs at least one record');
  const out: Record<string, number> = {};
  for (const key of Object.keys(first)) {
    out[key] = median(records.map((r) => (r as Record<string, number>)[key]!))!;
  }
  return out as T;
}

/** Rounds to `digits` decimals, for JSON that stays readable. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Every value of a record rounded to `digits` decimals. */
export function roundAll<T extends Record<keyof T, number>>(values: T, digits = 1): T {
  return Object.fromEntries(Object.entries<number>(values).map(([k, v]) => [k, round(v, digits)])) as T;
}
