/**
 * The pacer's time: a clock in milliseconds and a sleep that an abort signal ends. Injected, so
 * tests move time themselves and assert nothing on the wall clock.
 */
/** An abort signal as the Azure pipeline carries it (`PipelineRequest.abortSignal`), or Node's own. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface PacerTimer {
  nowMs(): number;
  /** Resolves after `ms`, or rejects when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignalLike): Promise<void>;
}

export const systemPacerTimer: PacerTimer = {
  nowMs: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortError());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

function abortError(): Error {
  const error = new Error('The ARM call was aborted while it waited for its budget');
  error.name = 'AbortError';
  return error;
}
