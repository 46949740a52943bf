/**
 * The portal benchmark's world: fresh emulators in processes of their own (as under `npm start`),
 * the app settings pointing at them, the portal built into a folder of the benchmark's own (never
 * portal/dist, which others share), and the control plane as `npm start` runs it
 * (`startControlPlane`: the HTTP host with the portal and the development sign-in, the timers, the
 * queue workers, the orchestration driver) in this process.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../src/local/quietTestModeWarnings';
import { createCosmosClient } from '../src/adapters/cosmos/createCosmosClient';
import { ensureCosmosSchema } from '../src/adapters/cosmos/ensureCosmosSchema';
import { resetServices, services } from '../src/compositionRoot';
import { startControlPlane, type ControlPlane } from '../src/local/controlPlane';
import { freePort } from '../src/local/emulators/freePort';
import { localSettings } from '../src/local/localSettings';
import { SettingNames } from '../src/settingNames';
import { startEmulators } from './emulators';

export interface PortalEnvironment {
  /** `http://localhost:{port}/`: the portal. */
  url: string;
  portalDir: string;
  emulatorsMs: number;
  /** Time to build the portal (0 when a built one was given). */
  buildMs: number;
  stop(): Promise<void>;
}

const root = join(__dirname, '..');

/** Builds the portal with Vite into `outDir` (the build's own settings, portal/vite.config.mts). */
export function buildPortal(outDir: string): void {
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      'portal',
      '--outDir',
      outDir,
      '--emptyOutDir',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

export async function startPortalEnvironment(o: {
  /** A built portal to serve; built into a temporary folder when absent. */
  portalDir?: string;
  log: (line: string) => void;
}): Promise<PortalEnvironment> {
  const dataDir = await mkdtemp(join(tmpdir(), 'clouddr-bench-portal-'));
  const teardown: (() => Promise<unknown> | void)[] = [() => rm(dataDir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of teardown.splice(0).reverse()) await step();
  };
  try {
    let portalDir = o.portalDir;
    let buildMs = 0;
    if (!portalDir) {
      portalDir = join(dataDir, 'portal');
      const started = performance.now();
      buildPortal(portalDir);
      buildMs = performance.now() - started;
      o.log(`[bench]   portal built into ${portalDir}: ${(buildMs / 1000).toFixed(1)} s`);
    }
    if (!existsSync(join(portalDir, 'index.html')))
      throw new Error(
        `${portalDir} holds no built portal (index.html): build it with vite build portal --outDir`,
      );

    const emulatorsStarted = performance.now();
    const emulators = await startEmulators(dataDir);
    const emulatorsMs = performance.now() - emulatorsStarted;
    teardown.push(() => emulators.stop());

    const httpPort = await freePort();
    Object.assign(process.env, {
      ...localSettings({ ...emulators.ports, http: httpPort }, dataDir),
      [SettingNames.cosmosDatabase]: `bench-portal-${randomUUID()}`,
      // The protection cycle's timer is off: the seeded devices have no disks to copy, and the
      // cycle's own load is the cycle benchmark's subject. Once a year, on January 1st.
      [SettingNames.restorePointSchedule]: '0 0 0 1 1 *',
    });
    await resetServices();
    teardown.push(() => resetServices());
    const cosmos = createCosmosClient(services().config.cosmos.connection);
    await ensureCosmosSchema(cosmos, services().config.cosmos.database);
    cosmos.dispose();

    const controlPlane: ControlPlane = await startControlPlane({
      httpPort,
      portalDir,
      log: (level, name, message) => {
        if (level === 'error') o.log(`[control plane] ${name}: ${message}`);
      },
    });
    teardown.push(() => controlPlane.stop());
    return { url: `http://localhost:${controlPlane.port}/`, portalDir, emulatorsMs, buildMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
