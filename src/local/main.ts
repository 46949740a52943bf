/**
 * `npm start`: supervises Azurite and the Cosmos DB emulator as processes of their own, and the
 * control plane as a third, so the control plane can be killed and restarted while storage stays
 * up, as in Azure. Ctrl-C or SIGTERM (to this process, or to npm, whose start script execs it)
 * stops all of them; each child also stops by itself if this process is SIGKILLed. One runtime
 * per data folder (dataDirLock).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';
import { createCosmosClient } from '../adapters/cosmos/createCosmosClient';
import { ensureCosmosSchema } from '../adapters/cosmos/ensureCosmosSchema';
import { ConfigError, loadConfig } from '../config';
import { ensureErrorType } from '../domain/errors';
import { SettingNames } from '../settingNames';
import { DataDirLockedError, lockDataDir, type DataDirLock } from './dataDirLock';
import { startAzurite, stopChild, type RunningProcess } from './emulators/startAzurite';
import {
  describeDataDirInUse,
  describePortsInUse,
  portsInUse,
  portsToOpen,
  readLocalRuntime,
  scriptSettingsPrefix,
  StartError,
} from './localRuntime';
import { LocalSettingNames } from './localSettingNames';
import { whenOrphaned } from './whenOrphaned';

const say = (line: string) => console.log(`[npm start] ${line}`);

interface Supervised {
  azurite?: RunningProcess;
  cosmos?: ChildProcess;
  controlPlane?: ChildProcess;
  lock?: DataDirLock;
  stopping: boolean;
}

async function main(): Promise<void> {
  const env = process.env;
  const runtime = readLocalRuntime(env);
  const { ports, attach, dataDir, settings } = runtime;
  // `npm run emulators`: storage and state only, for `func start` in another terminal.
  const emulatorsOnly = process.argv.includes('--emulators-only');
  let config;
  try {
    config = loadConfig(settings);
  } catch (err) {
    if (err instanceof ConfigError) throw new StartError(err.message);
    throw err;
  }

  const state: Supervised = { stopping: false };
  const shutdown = async (exitCode: number) => {
    if (state.stopping) return;
    state.stopping = true;
    say('stopping…');
    if (state.controlPlane) await stopChild(state.controlPlane);
    await Promise.all([state.cosmos ? stopChild(state.cosmos) : undefined, state.azurite?.stop()]);
    await state.lock?.release();
    say('stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.once('exit', () => state.lock?.releaseSync());
  // Run by npm (`npm start`, `npm run emulators`): stop with it, even if a shell between npm and
  // this process did not pass its signal on (`npm run emulators`), or npm was SIGKILLed.
  if (env['npm_lifecycle_event']) {
    whenOrphaned(() => {
      say('the process that started this has gone');
      void shutdown(0);
    });
  }

  try {
    // Attached, the emulators and their data are someone else's (`npm run emulators`, say).
    if (!attach) state.lock = await lockDataDir(dataDir);
    const taken = await portsInUse(portsToOpen(runtime, { emulatorsOnly }));
    if (taken.length > 0) {
      const command = emulatorsOnly ? 'npm run emulators' : 'npm start';
      throw new StartError(await describePortsInUse(taken, runtime, command));
    }
    if (!attach) {
      say(`starting Azurite (blob ${ports.blob}, queue ${ports.queue}, table ${ports.table})`);
      state.azurite = await startAzurite({ ports, location: join(dataDir, 'azurite') });
      say(`starting the Cosmos DB emulator (${ports.cosmos})`);
      state.cosmos = await startCosmosProcess(ports.cosmos, join(dataDir, 'cosmos.json'));
    }
    if (config.cosmos.connection.kind === 'connectionString') {
      const client = createCosmosClient(config.cosmos.connection);
      await ensureCosmosSchema(client, config.cosmos.database).finally(() => client.dispose());
    }
    if (!emulatorsOnly) await superviseControlPlane(state, settings);
  } catch (err) {
    const error = ensureErrorType(err);
    console.error(
      `[npm start] ${
        error instanceof DataDirLockedError
          ? await describeDataDirInUse(runtime, error.holder, error.file)
          : error instanceof StartError
            ? error.message
            : (error.stack ?? error.message)
      }`,
    );
    await shutdown(1);
    return;
  }

  const api = `http://localhost:${ports.http}/api`;
  if (emulatorsOnly) {
    say(
      `ready: Azurite (blob ${ports.blob}, queue ${ports.queue}, table ${ports.table}) and Cosmos DB (${ports.cosmos}); Ctrl-C stops them`,
    );
    return;
  }
  console.log(
    [
      '',
      'Cloud PC disaster recovery control plane — embedded runtime',
      `  Portal     http://localhost:${ports.http}/   (sign in with the local issuer: tenant, user and role)`,
      `  API        ${api}   (health ${api}/health, OpenAPI ${api}/openapi.json)`,
      `  Regions    control plane ${config.region}; storage for ${[...config.regionStorage.keys()].join(', ')}`,
      attach
        ? '  Emulators  attached to services already running'
        : `  Azurite    blob ${ports.blob}, queue ${ports.queue}, table ${ports.table}   Cosmos DB ${ports.cosmos}   (data in ${dataDir})`,
      `  Token      ${scriptSettingsPrefix(env, [SettingNames.localDataDir, LocalSettingNames.httpPort])}npm run -s token -- --tenant <tenant GUID> --role DR.Admin`,
      `  Stop       Ctrl-C, or kill ${process.pid}`,
      '',
      `  Processes  control plane ${state.controlPlane?.pid}` +
        (attach ? '' : `, Azurite ${state.azurite?.process.pid}, Cosmos DB ${state.cosmos?.pid}`) +
        `, supervisor ${process.pid}`,
      '',
      `ready: serving ${api}`,
    ].join('\n'),
  );
}

/** Starts the control plane and restarts it if it dies after having been ready (a crash, or kill -9). */
async function superviseControlPlane(state: Supervised, settings: Record<string, string>): Promise<void> {
  const script = join(__dirname, `controlPlaneProcess${extname(__filename)}`);
  const start = () =>
    new Promise<ChildProcess>((resolveReady, rejectReady) => {
      const child = fork(script, [], { env: { ...process.env, ...settings }, execArgv: process.execArgv });
      let ready = false;
      child.once('message', () => {
        ready = true;
        resolveReady(child);
      });
      child.once('exit', (code, signal) => {
        if (!ready) {
          rejectReady(
            new StartError(
              `The control plane stopped during start-up (${signal ?? `exit code ${code}`}); see its message above`,
            ),
          );
        } else if (!state.stopping) {
          say(`the control plane exited (${signal ?? `exit code ${code}`}); starting it again`);
          setTimeout(() => {
            start().then(
              (next) => {
                state.controlPlane = next;
                say(`ready: control plane restarted (pid ${next.pid})`);
              },
              (err: unknown) => say(ensureErrorType(err).message),
            );
          }, 500);
        }
      });
    });
  state.controlPlane = await start();
}

function startCosmosProcess(port: number, file: string): Promise<ChildProcess> {
  const script = join(__dirname, 'emulators', `cosmosEmulatorProcess${extname(__filename)}`);
  return new Promise((resolveReady, rejectReady) => {
    const child = fork(script, [String(port), file], { execArgv: process.execArgv });
    child.once('message', (message: { imported?: number }) => {
      say(`Cosmos DB emulator ready; ${message.imported ?? 0} items loaded from ${file}`);
      resolveReady(child);
    });
    child.once('exit', (code) =>
      rejectReady(new StartError(`The Cosmos DB emulator exited during start-up (code ${code})`)),
    );
  });
}

main().catch((err: unknown) => {
  const error = ensureErrorType(err);
  console.error(
    `[npm start] ${error instanceof StartError ? error.message : (error.stack ?? error.message)}`,
  );
  process.exit(1);
});
