import { connect } from 'node:net';

/** Resolves once something accepts TCP connections on the port, or rejects after the timeout. */
export async function waitForPort(port: number, timeoutInMs: number, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutInMs;
  for (;;) {
    if (await canConnect(port, host)) return;
    if (Date.now() > deadline)
      throw new Error(`Nothing is listening on ${host}:${port} after ${timeoutInMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
