/**
 * How `npm start` turns the environment into its settings, in one place: the supervisor, the
 * checks `npm start` runs before it builds (scripts/startChecks.ts) and the scripts that talk to a
 * running runtime (`npm run token`, `npm run local:disks`) all read the same variables the same
 * way, so a moved port or data folder moves for all of them.
 */
import { createServer } from 'node:net';
import { isAbsolute, relative, resolve } from 'node:path';
import { SettingNames } from '../settingNames';
import { defaultLocalPorts, localSettings, type LocalPorts } from './localSettings';
import { LocalSettingNames } from './localSettingNames';

/** A start-up problem the user can fix: printed without a stack. */
export class StartError extends Error {}

export interface LocalRuntime {
  ports: LocalPorts;
  /** `LOCAL_EMULATORS=attach`: use emulators or services already running. */
  attach: boolean;
  /** Absolute: `LOCAL_DATA_DIR`, `.data` by default, from the working folder (the package's, under npm). */
  dataDir: string;
  /** The embedded defaults for these ports and folder, every app setting set in the environment winning. */
  settings: Record<string, string>;
}

export function readLocalRuntime(env: NodeJS.ProcessEnv = process.env): LocalRuntime {
  const ports = readPorts(env);
  const attach = readEmulatorMode(env) === 'attach';
  const dataDir = resolve(env[SettingNames.localDataDir] || '.data');
  // Real environment variables win over the embedded defaults: that is how to point at real services.
  const settings: Record<string, string> = { ...localSettings(ports, dataDir) };
  for (const name of Object.values(SettingNames)) {
    const value = env[name];
    if (value) settings[name] = value;
  }
  settings[LocalSettingNames.httpPort] = String(ports.http);
  return { ports, attach, dataDir, settings };
}

function readPorts(env: NodeJS.ProcessEnv): LocalPorts {
  const problems: string[] = [];
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (!raw) return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      problems.push(`${name}: "${raw}" is not a port number (1-65535)`);
    return port;
  };
  const ports = {
    http: read(LocalSettingNames.httpPort, defaultLocalPorts.http),
    blob: read(LocalSettingNames.blobPort, defaultLocalPorts.blob),
    queue: read(LocalSettingNames.queuePort, defaultLocalPorts.queue),
    table: read(LocalSettingNames.tablePort, defaultLocalPorts.table),
    cosmos: read(LocalSettingNames.cosmosPort, defaultLocalPorts.cosmos),
  };
  if (problems.length > 0) throw new StartError(problems.join('\n'));
  return ports;
}

function readEmulatorMode(env: NodeJS.ProcessEnv): 'start' | 'attach' {
  const mode = env[LocalSettingNames.emulators] || 'start';
  if (mode !== 'start' && mode !== 'attach') {
    throw new StartError(`${LocalSettingNames.emulators}: "${mode}" is invalid; expected start or attach`);
  }
  return mode;
}

export interface PortUse {
  port: number;
  what: string;
  /** The setting that moves it. */
  setting: string;
}

const portSettings: Record<keyof LocalPorts, { what: string; setting: string }> = {
  http: { what: 'the control plane', setting: LocalSettingNames.httpPort },
  blob: { what: 'Azurite blob', setting: LocalSettingNames.blobPort },
  queue: { what: 'Azurite queue', setting: LocalSettingNames.queuePort },
  table: { what: 'Azurite table', setting: LocalSettingNames.tablePort },
  cosmos: { what: 'the Cosmos DB emulator', setting: LocalSettingNames.cosmosPort },
};

/** The ports this runtime will listen on: the control plane's unless emulators only, the emulators' unless attached. */
export function portsToOpen(runtime: LocalRuntime, options: { emulatorsOnly?: boolean } = {}): PortUse[] {
  const kinds: (keyof LocalPorts)[] = [
    ...(options.emulatorsOnly ? [] : (['http'] as const)),
    ...(runtime.attach ? [] : (['blob', 'queue', 'table', 'cosmos'] as const)),
  ];
  return kinds.map((kind) => ({ port: runtime.ports[kind], ...portSettings[kind] }));
}

/** Every port of the list that cannot be opened now, each with why, all probed at once. */
export async function portsInUse(
  uses: readonly PortUse[],
): Promise<(PortUse & { code: string | undefined; message: string })[]> {
  const results = await Promise.all(
    uses.map(async (use) => {
      const error = await tryListen(use.port);
      return error ? { ...use, code: error.code, message: error.message } : undefined;
    }),
  );
  return results.filter((result) => result !== undefined);
}

/**
 * One message for every port in use: each with the setting that moves it and a free port to move
 * it to, and a line to copy that moves them all.
 */
export async function describePortsInUse(
  taken: readonly (PortUse & { code: string | undefined; message: string })[],
  runtime: LocalRuntime,
  command = 'npm start',
): Promise<string> {
  const avoid = new Set(Object.values(runtime.ports));
  const lines: string[] = [];
  const moves: string[] = [];
  for (const use of taken) {
    if (use.code !== 'EADDRINUSE') {
      lines.push(
        `Port ${use.port} (${use.what}) cannot be opened: ${use.message}. Set ${use.setting} to another port.`,
      );
      continue;
    }
    const free = await nextFreePort(use.port, avoid);
    if (free !== undefined) {
      avoid.add(free);
      moves.push(`${use.setting}=${free}`);
    }
    lines.push(
      `Port ${use.port} (${use.what}) is in use: set ${use.setting} to another port` +
        (free === undefined ? '' : ` (${free} is free)`) +
        (use.setting === LocalSettingNames.httpPort
          ? '.'
          : `, or ${LocalSettingNames.emulators}=attach to use what is running there.`),
    );
  }
  if (moves.length > 0) {
    lines.push(
      `For example: export ${moves.join(' ')}; ${command}`,
      'Export them where you run npm run token and npm run local:disks too: they read the same settings (a token names the HTTP port in its issuer).',
    );
  }
  return lines.join('\n');
}

/** Free ports for a second runtime next to this one: the same ports moved up, each checked. */
export async function freePortsBeside(ports: LocalPorts): Promise<LocalPorts> {
  const avoid = new Set(Object.values(ports));
  const next: Partial<LocalPorts> = {};
  for (const kind of Object.keys(portSettings) as (keyof LocalPorts)[]) {
    const free = (await nextFreePort(ports[kind], avoid)) ?? ports[kind];
    avoid.add(free);
    next[kind] = free;
  }
  return next as LocalPorts;
}

/** `LOCAL_HTTP_PORT=7072 LOCAL_BLOB_PORT=10010 …`: the settings that give these ports. */
export function portAssignments(ports: LocalPorts): string {
  return (Object.keys(portSettings) as (keyof LocalPorts)[])
    .map((kind) => `${portSettings[kind].setting}=${ports[kind]}`)
    .join(' ');
}

/**
 * What `npm run token` and `npm run local:disks` need set to reach this runtime, as a command
 * prefix (`LOCAL_HTTP_PORT=7172 `); empty for the defaults.
 */
export function scriptSettingsPrefix(env: NodeJS.ProcessEnv, names: readonly string[]): string {
  return names
    .filter((name) => env[name])
    .map((name) => `${name}=${env[name]} `)
    .join('');
}

async function nextFreePort(from: number, avoid: ReadonlySet<number>): Promise<number | undefined> {
  for (let port = from + 1; port <= Math.min(from + 50, 65535); port += 1) {
    if (avoid.has(port)) continue;
    if ((await tryListen(port)) === undefined) return port;
  }
  return undefined;
}

function tryListen(port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolveResult) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => resolveResult(err));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveResult(undefined)));
  });
}

/**
 * Why a second runtime may not use this data folder, and how to run one beside it: its own folder
 * and free ports, and what the scripts then need.
 */
export async function describeDataDirInUse(
  runtime: LocalRuntime,
  holder: { pid: number; startedAt?: string },
  lockFile: string,
): Promise<string> {
  const here = relative(process.cwd(), runtime.dataDir);
  const folder = here && !here.startsWith('..') && !isAbsolute(here) ? here : runtime.dataDir;
  const ports = await freePortsBeside(runtime.ports);
  return [
    `The data folder ${runtime.dataDir} is in use by another runtime (pid ${holder.pid}${holder.startedAt ? `, started ${holder.startedAt}` : ''}): two on one folder would overwrite each other's data.`,
    `Stop that one first (Ctrl-C in its terminal, or kill ${holder.pid}), or run a second runtime with a data folder and ports of its own, for example:`,
    `  ${SettingNames.localDataDir}=${folder}-2 ${portAssignments(ports)} npm start`,
    `and give npm run token the same ${SettingNames.localDataDir} and ${LocalSettingNames.httpPort}, npm run local:disks the same ${LocalSettingNames.blobPort}.`,
    `If pid ${holder.pid} is not a runtime (its pid reused after a restart), delete ${lockFile}.`,
  ].join('\n');
}
