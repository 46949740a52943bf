/**
 * Maps items with at most `concurrency` calls in flight, keeping the input order in the output.
 * With `stopWhen`, no item is started once it says so: the output is then the results of a prefix
 * of the items (every one of them finished), so a caller out of time can say where to resume.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  stopWhen?: () => boolean,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stopWhen?.()) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return next < items.length ? results.slice(0, next) : results;
}
