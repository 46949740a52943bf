/** What a driver saw at one poll: when, and how many tasks it is still waiting for. */
export interface PollSample {
  atMs: number;
  remaining: number;
}

/**
 * How long a driver waits before it polls again. Normally the poll interval; but when the pace
 * since the previous poll says the tasks still awaited will be done sooner, it looks when they
 * should be done — not sooner than a tenth of the interval — so the next wave (or the end) does
 * not wait out most of an interval after the last device. A driver's first poll of an execution
 * has no pace yet and waits the interval.
 */
export function nextPollDelay(
  pollIntervalInMs: number,
  previous: PollSample | undefined,
  current: PollSample,
): number {
  if (!previous || current.remaining <= 0) return pollIntervalInMs;
  const done = previous.remaining - current.remaining;
  const elapsed = current.atMs - previous.atMs;
  if (done <= 0 || elapsed <= 0) return pollIntervalInMs;
  const expected = Math.ceil((current.remaining * elapsed) / done);
  return Math.min(pollIntervalInMs, Math.max(Math.ceil(pollIntervalInMs / 10), expected));
}
