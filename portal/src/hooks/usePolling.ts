/**
 * Polls while a view is open: each answer says when to look again (`Retry-After`, through
 * nextPollDelay), a failure is shown and retried with back-off, and polling stops when the
 * answer says the work is done or the view closes.
 */
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/ApiError';
import { nextPollDelay } from '../logic/pollDelay';

export interface Polled<T> {
  data: T;
  /** From the answer's Retry-After header. */
  retryAfterMs?: number;
}

export interface PollingState<T> {
  data?: T;
  error?: ApiError | Error;
  /** When the next look is due (ms since the epoch), while polling. */
  nextAt?: number;
}

export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<Polled<T>>,
  isDone: (data: T) => boolean,
  deps: readonly unknown[],
): PollingState<T> {
  const [state, setState] = useState<PollingState<T>>({});
  const loadRef = useRef(load);
  const doneRef = useRef(isDone);
  loadRef.current = load;
  doneRef.current = isDone;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const tick = async () => {
      try {
        const { data, retryAfterMs } = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        failures = 0;
        if (doneRef.current(data)) {
          setState({ data });
          return;
        }
        const delay = nextPollDelay(retryAfterMs, 0);
        setState({ data, nextAt: Date.now() + delay });
        timer = setTimeout(() => void tick(), delay);
      } catch (err) {
        if (controller.signal.aborted) return;
        failures += 1;
        const error = err instanceof Error ? err : new Error(String(err));
        const delay = nextPollDelay(error instanceof ApiError ? error.retryAfterMs : undefined, failures);
        setState((previous) => ({ ...previous, error, nextAt: Date.now() + delay }));
        timer = setTimeout(() => void tick(), delay);
      }
    };
    void tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
    // The caller names what restarts polling (the loader itself is read through a ref).
  }, deps);
  return state;
}
