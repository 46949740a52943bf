/**
 * What `npm start` runs, in the test's process: the control plane (HTTP host with the admin
 * portal's built files and the development sign-in, timers, queue workers, orchestrations) on
 * this test file's own database, queues and port, against the shared emulators.
 */
import { join } from 'node:path';
import { freePort } from '../../src/local/emulators/freePort';
import { startControlPlane, type ControlPlane } from '../../src/local/controlPlane';
import { startTestEnvironment, type TestEnvironment } from './testEnvironment';

export interface PortalRuntime {
  /** The portal's address: `http://localhost:{port}/`. */
  url: string;
  env: TestEnvironment;
  /** The API as the portal calls it. */
  api: string;
  stop(): Promise<void>;
}

export const builtPortal = join(__dirname, '..', '..', 'portal', 'dist');

export async function startPortalRuntime(settings: Record<string, string> = {}): Promise<PortalRuntime> {
  const env = await startTestEnvironment(settings);
  let controlPlane: ControlPlane | undefined;
  try {
    controlPlane = await startControlPlane({
      httpPort: await freePort(),
      portalDir: builtPortal,
      log: (level, name, message) => {
        if (level === 'error') console.error(`[${name}] ${message}`);
      },
    });
  } catch (err) {
    await env.close();
    throw err;
  }
  const url = `http://localhost:${controlPlane.port}/`;
  return {
    url,
    env,
    api: `${url}api`,
    async stop() {
      await controlPlane?.stop();
      await env.close();
    },
  };
}
