/**
 * Virtual time for the pacer's tests: sleeps wait on a clock the test owns, so "when" is asserted
 * in virtual milliseconds and nothing depends on how fast this machine is. Automatic: once every
 * promise and immediate has run (the process is waiting on sleeps only), the clock jumps to the
 * earliest sleep and wakes it. Manual: the test moves the clock with `advance`.
 */
import type { AbortSignalLike, PacerTimer } from '../../../../src/adapters/arm/pacing/pacerTimer';

interface Sleeper {
  at: number;
  seq: number;
  resolve: () => void;
}

export interface VirtualTime extends PacerTimer {
  now: number;
  /** Moves the clock (manual mode) and wakes every sleep due by then, earliest first. */
  advance(ms: number): Promise<void>;
  /** Sleeps not yet woken. */
  sleeping(): number;
}

/** Lets every pending promise and immediate run. */
export async function quiesce(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

export function virtualTime(mode: 'auto' | 'manual' = 'auto', startMs = 1_000_000): VirtualTime {
  const sleepers: Sleeper[] = [];
  let seq = 0;
  let stepping = false;

  const earliest = (): Sleeper | undefined =>
    sleepers.reduce<Sleeper | undefined>(
      (best, s) => (!best || s.at < best.at || (s.at === best.at && s.seq < best.seq) ? s : best),
      undefined,
    );
  const wake = (sleeper: Sleeper): void => {
    sleepers.splice(sleepers.indexOf(sleeper), 1);
    sleeper.resolve();
  };
  const step = async (): Promise<void> => {
    stepping = true;
    for (;;) {
      await quiesce();
      const next = earliest();
      if (!next) break;
      time.now = Math.max(time.now, next.at);
      wake(next);
    }
    stepping = false;
  };

  const time: VirtualTime = {
    now: startMs,
    nowMs: () => time.now,
    sleep: (ms: number, signal?: AbortSignalLike) =>
      new Promise<void>((resolve, reject) => {
        const aborted = (): Error => Object.assign(new Error('aborted'), { name: 'AbortError' });
        if (signal?.aborted) {
          reject(aborted());
          return;
        }
        const sleeper: Sleeper = { at: time.now + ms, seq: (seq += 1), resolve };
        sleepers.push(sleeper);
        signal?.addEventListener(
          'abort',
          () => {
            const index = sleepers.indexOf(sleeper);
            if (index < 0) return;
            sleepers.splice(index, 1);
            reject(aborted());
          },
          { once: true },
        );
        if (mode === 'auto' && !stepping) void step();
      }),
    advance: async (ms: number) => {
      const until = time.now + ms;
      for (;;) {
        await quiesce();
        const next = earliest();
        if (!next || next.at > until) break;
        time.now = Math.max(time.now, next.at);
        wake(next);
      }
      time.now = until;
      await quiesce();
    },
    sleeping: () => sleepers.length,
  };
  return time;
}
