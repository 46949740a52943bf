/**
 * `npm start`: supervises Azurite and the Cosmos DB emulator as processes of their own, and the
 * control plane as a third, so the control plane can be killed and restarted while storage stays
 * up, as in Azure. Ctrl-C or SIGTERM stops all of them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { extname, join, resolve } from 'node:path';
import { createCosmosClient } from '../adapters/cosmos/createCosmosClient';
import { ensureCosmosSchema } from '../adapters/cosmos/ensureCosmosSchema';
import { ConfigError, loadConfig } from '../config';
import { ensureErrorType } from '../domain/errors';
import { SettingNames } from '../settingNames';
import { startAzurite, stopChild, type RunningProcess } from './emulators/startAzurite';
import { defaultLocalPorts, localSettings, type LocalPorts } from './localSettings';
import { LocalSettingNames } from './localSettingNames';

const say = (line: string) => console.log(`[npm start] ${line}`);

/** Thrown for a start-up problem the user can fix; printed without a stack. */
class StartError extends Error {}

interface Supervised {
  azurite?: RunningProcess;
  cosmos?: ChildProcess;
  controlPlane?: ChildProcess;
  stopping: boolean;
}

async function main(): Promise<void> {
  const env = process.env;
  const ports = readPorts(env);
  const attach = readEmulatorMode(env) === 'attach';
  // `npm run emulators`: storage and state only, for `func start` in another terminal.
  const emulatorsOnly = process.argv.includes('--emulators-only');
  const dataDir = resolve(env[SettingNames.localDataDir] || '.data');
  // Real environment variables win over the embedded defaults: that is how to point at real services.
  const settings: Record<string, string> = { ...localSettings(ports, dataDir) };
  for (const name of Object.values(SettingNames)) {
    const value = env[name];
    if (value) settings[name] = value;
  }
  settings[LocalSettingNames.httpPort] = String(ports.http);
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
    say('stopped');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    if (!emulatorsOnly) await ensurePortFree(ports.http, 'the control plane', LocalSettingNames.httpPort);
    if (!attach) {
      await ensurePortFree(ports.blob, 'Azurite blob', LocalSettingNames.blobPort);
      await ensurePortFree(ports.queue, 'Azurite queue', LocalSettingNames.queuePort);
      await ensurePortFree(ports.table, 'Azurite table', LocalSettingNames.tablePort);
      await ensurePortFree(ports.cosmos, 'the Cosmos DB emulator', LocalSettingNames.cosmosPort);
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
      `[npm start] ${error instanceof StartError ? error.message : (error.stack ?? error.message)}`,
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
      `  API        ${api}   (health ${api}/health, OpenAPI ${api}/openapi.json)`,
      `  Regions    control plane ${config.region}; storage for ${[...config.regionStorage.keys()].join(', ')}`,
      attach
        ? '  Emulators  attached to services already running'
        : `  Azurite    blob ${ports.blob}, queue ${ports.queue}, table ${ports.table}   Cosmos DB ${ports.cosmos}   (data in ${dataDir})`,
      `  Token      npm run -s token -- --tenant <tenant GUID> --role DR.Admin`,
      `  Stop       Ctrl-C`,
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

function readPorts(env: NodeJS.ProcessEnv): LocalPorts {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (!raw) return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new StartError(`${name}: "${raw}" is not a port number (1-65535)`);
    return port;
  };
  return {
    http: read(LocalSettingNames.httpPort, defaultLocalPorts.http),
    blob: read(LocalSettingNames.blobPort, defaultLocalPorts.blob),
    queue: read(LocalSettingNames.queuePort, defaultLocalPorts.queue),
    table: read(LocalSettingNames.tablePort, defaultLocalPorts.table),
    cosmos: read(LocalSettingNames.cosmosPort, defaultLocalPorts.cosmos),
  };
}

function readEmulatorMode(env: NodeJS.ProcessEnv): 'start' | 'attach' {
  const mode = env[LocalSettingNames.emulators] || 'start';
  if (mode !== 'start' && mode !== 'attach') {
    throw new StartError(`${LocalSettingNames.emulators}: "${mode}" is invalid; expected start or attach`);
  }
  return mode;
}

function ensurePortFree(port: number, what: string, setting: string): Promise<void> {
  return new Promise((resolveFree, rejectInUse) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      rejectInUse(
        new StartError(
          err.code === 'EADDRINUSE'
            ? `Port ${port} (${what}) is in use. Set ${setting} to another port` +
                (setting === LocalSettingNames.httpPort
                  ? '.'
                  : `, or ${LocalSettingNames.emulators}=attach to use what is running there.`)
            : `Port ${port} (${what}) cannot be opened: ${err.message}`,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree()));
  });
}

main().catch((err: unknown) => {
  const error = ensureErrorType(err);
  console.error(
    `[npm start] ${error instanceof StartError ? error.message : (error.stack ?? error.message)}`,
  );
  process.exit(1);
});
