/**
 * A streamed answer's later reads under a deadline of their own. An HTTP handler returns a stream
 * (a CSV export) as soon as its first rows are read, within the request's scope; the rows after
 * them are read as the client takes them, after that scope has ended, so their dependency calls
 * would otherwise get a worker's budget and no deadline at all. Here every step of the iteration
 * (each `next()`, and so each page read behind one) runs in a scope of its own: a client waits no
 * longer for the next part of an answer than for the answer itself, and a region that stops
 * answering mid-export breaks the stream off within that bound instead of leaving it hanging.
 */
import type { CallProfile } from './budgets';
import { withDeadline } from './deadlineScope';

export function eachStepWithin<T>(
  rows: AsyncIterable<T>,
  profile: CallProfile,
  budgetInMs: number,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = rows[Symbol.asyncIterator]();
      return {
        next: () => withDeadline(profile, budgetInMs, () => iterator.next()),
        return: async () => (await iterator.return?.()) ?? { done: true, value: undefined },
      };
    },
  };
}
