/**
 * Waits for `work` at most `ms`, then goes on; the work itself carries on either way. Resolves true
 * when it ended in time. For what a step wants done but must not wait on without bound: an audit
 * record whose region's table does not answer must not hold up the driver that writes it.
 */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    // A record still being written must not keep the process alive by itself.
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
