/**
 * Runs tasks one at a time per key, and folds a request into one already waiting for that key:
 * the waiting run starts after the current one and sees everything the folded request would.
 */
export class KeyedSerializer {
  private readonly running = new Map<string, Promise<void>>();
  private readonly waiting = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const waiting = this.waiting.get(key);
    if (waiting) return waiting;
    const running = this.running.get(key);
    if (!running) return this.begin(key, task);
    const next = running
      .catch(() => undefined)
      .then(() => {
        this.waiting.delete(key);
        return this.begin(key, task);
      });
    this.waiting.set(key, next);
    return next;
  }

  private begin(key: string, task: () => Promise<void>): Promise<void> {
    const run: Promise<void> = task().finally(() => {
      if (this.running.get(key) === run) this.running.delete(key);
    });
    this.running.set(key, run);
    return run;
  }
}
