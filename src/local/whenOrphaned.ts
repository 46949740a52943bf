/**
 * Calls back once when this process's parent has gone (it was SIGKILLed, or a shell between it
 * and npm died): the process is then reparented, so its parent pid changes. For the processes
 * of `npm start` that must not outlive it holding ports. Polls; the timer never keeps the process alive.
 */
export function whenOrphaned(onOrphaned: () => void, intervalInMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, intervalInMs);
  timer.unref();
  return () => clearInterval(timer);
}
