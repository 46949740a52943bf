/**
 * Every setting, read and validated once. A missing or invalid setting stops start-up with one
 * message naming every bad setting and what it expects.
 */
import { Cron } from 'croner';
import { createRequire } from 'node:module';
import {
  simulatedComputeSettings,
  type SimulatedComputeSettings,
} from './adapters/compute/simulatedComputeOptions';
import { ConnectionSuffixes, SettingNames } from './settingNames';

/** ACTIVATION_POLL_SECONDS when unset: host.json's Durable queue polling is bounded by it. */
export const defaultActivationPollSeconds = 5;

/** A connection in the Functions host's own convention: a connection string or an identity. */
export type Connection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; endpoint: string; clientId?: string };

export interface AuthConfig {
  /** Expected `iss`; `{tenantid}` stands for the token's own `tid` (Entra multi-tenant apps). */
  issuer: string;
  audience: string;
  jwksUri: string;
  clockSkewSeconds: number;
  /**
   * The deployment's home tenant: only its own principals (`tid` and `iss` both of it) can hold
   * DR.PlatformAdmin. In a multi-tenant registration a customer's admin can grant any app role to
   * its own users, so the role alone proves nothing.
   */
  platformTenantId: string;
}

export interface Config {
  region: string;
  /** Storage per region: disks in primary regions, restore points in backup regions. */
  regionStorage: ReadonlyMap<string, Connection>;
  cosmos: { connection: Connection; database: string };
  workQueue:
    { backend: 'servicebus'; connection: Connection } | { backend: 'storage'; connection: Connection };
  taskHub: string;
  auth: AuthConfig;
  /**
   * This deployment's Front Door (`X-Azure-FDID`): only a request carrying it is taken to come
   * through Front Door, and only then is `X-Azure-SocketIP` its client's address. Unset: never.
   */
  frontDoorId?: string;
  localIssuer: { enabled: boolean; dataDir: string };
  restorePoints: { schedule: string };
  activations: { leaseInMs: number; pollIntervalInMs: number };
  /** Where temporary devices come from (`COMPUTE_PROVIDER`). */
  computeProvider: 'simulated' | 'azure';
  simulatedCompute: SimulatedComputeSettings;
  /**
   * Managed disks through ARM: its endpoint (Azure's public cloud when unset), 1 in how many
   * restore points has its content compared, and the multi-tenant app through which tenants in
   * other Entra directories are reached (`CROSS_DIRECTORY_APP_CLIENT_ID`, lower case; unset: none
   * are). The credential is the app's identity (DefaultAzureCredential, `AZURE_CLIENT_ID`) in its
   * own directory, that app elsewhere (src/adapters/identity/ArmCredentials.ts).
   */
  arm: { endpoint?: string; contentSampleEvery: number; crossDirectoryAppClientId?: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Where the app runs: under the Azure Functions host, or in the embedded runtime (`npm start`, tests). */
export type AppHost = 'functions' | 'embedded';

/**
 * The Functions host's Node worker hands the app `@azure/functions-core`; nothing else provides it.
 * `@azure/functions` tells the host from its "test mode" the same way.
 */
export function currentHost(): AppHost {
  try {
    createRequire(__filename)('@azure/functions-core');
    return 'functions';
  } catch {
    return 'embedded';
  }
}

const regionPattern = /^[a-z][a-z0-9-]{1,39}$/;
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function loadConfig(env: Env = process.env, host: AppHost = currentHost()): Config {
  const problems: string[] = [];
  const reader = new SettingReader(env, problems);

  const region = reader.matching(SettingNames.region, regionPattern, 'a region name such as westeurope');
  const regionStorage = reader.regionStorage(SettingNames.regionStorage);
  if (region && regionStorage && !regionStorage.has(region)) {
    problems.push(`${SettingNames.regionStorage}: expected an entry for ${SettingNames.region} "${region}"`);
  }
  const cosmosConnection = reader.connection(
    SettingNames.cosmosConnection,
    ConnectionSuffixes.accountEndpoint,
  );
  const database = reader.matching(
    SettingNames.cosmosDatabase,
    /^[A-Za-z0-9_-]{1,255}$/,
    'a database id',
    'clouddr',
  );
  const backend = reader.oneOf(
    SettingNames.workQueueBackend,
    ['servicebus', 'storage'] as const,
    'servicebus',
  );
  if (backend === 'storage' && host === 'functions') {
    // Every queue worker is a Service Bus trigger there (defineQueueWorker): work sent to storage
    // queues would wait unread, with nothing failing to say so.
    problems.push(
      `${SettingNames.workQueueBackend}: "storage" cannot work under the Functions host, whose queue triggers are Service Bus queues; expected servicebus (storage is for the embedded runtime)`,
    );
  }
  const queueConnection =
    backend === 'storage'
      ? reader.connection(SettingNames.hostStorage, ConnectionSuffixes.queueServiceUri)
      : reader.connection(SettingNames.serviceBusConnection, ConnectionSuffixes.fullyQualifiedNamespace);
  const taskHub = reader.matching(
    SettingNames.taskHub,
    /^[A-Za-z][A-Za-z0-9]{2,44}$/,
    '3 to 45 letters and digits, starting with a letter',
  );
  const issuer = reader.required(SettingNames.authIssuer, 'the expected token issuer');
  const audience = reader.required(SettingNames.authAudience, 'the expected token audience');
  const jwksUri = reader.url(SettingNames.authJwksUri);
  const clockSkewSeconds = reader.integer(SettingNames.authClockSkewSeconds, 0, 300, 60);
  const platformTenantId = reader.matching(
    SettingNames.platformTenantId,
    guidPattern,
    "the deployment's home tenant id, a GUID",
  );
  const frontDoorId = env[SettingNames.frontDoorId]?.trim() || undefined;
  if (frontDoorId !== undefined && !guidPattern.test(frontDoorId)) {
    problems.push(
      `${SettingNames.frontDoorId}: "${frontDoorId}" is invalid; expected the Front Door profile's id (X-Azure-FDID), a GUID`,
    );
  }
  const localIssuer = reader.boolean(SettingNames.localIssuer, false);
  const dataDir = env[SettingNames.localDataDir] || '.data';
  const schedule = reader.schedule(
    SettingNames.restorePointSchedule,
    'a six-field NCRONTAB schedule such as "0 */5 * * * *"',
  );
  const leaseSeconds = reader.integer(SettingNames.activationLeaseSeconds, 5, 3_600, 60);
  const pollSeconds = reader.integer(
    SettingNames.activationPollSeconds,
    1,
    300,
    defaultActivationPollSeconds,
  );
  const computeProvider = reader.oneOf(
    SettingNames.computeProvider,
    ['simulated', 'azure'] as const,
    'simulated',
  );
  const simulatedCompute = reader.simulatedCompute(SettingNames.simulatedCompute);
  const armEndpoint = env[SettingNames.armEndpoint]?.trim() || undefined;
  if (armEndpoint !== undefined && !isHttpUrl(armEndpoint))
    problems.push(`${SettingNames.armEndpoint}: "${armEndpoint}" is invalid; expected an http(s) URL`);
  const contentSampleEvery = reader.integer(SettingNames.managedDiskContentSampleEvery, 1, 10_000, 10);
  const crossDirectoryAppClientId = env[SettingNames.crossDirectoryAppClientId]?.trim() || undefined;
  if (crossDirectoryAppClientId !== undefined && !guidPattern.test(crossDirectoryAppClientId)) {
    problems.push(
      `${SettingNames.crossDirectoryAppClientId}: "${crossDirectoryAppClientId}" is invalid; expected the multi-tenant app registration's client id, a GUID`,
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    region: region!,
    regionStorage: regionStorage!,
    cosmos: { connection: cosmosConnection!, database: database! },
    workQueue: { backend: backend!, connection: queueConnection! },
    taskHub: taskHub!,
    auth: {
      issuer: issuer!,
      audience: audience!,
      jwksUri: jwksUri!,
      clockSkewSeconds: clockSkewSeconds!,
      platformTenantId: platformTenantId!.toLowerCase(),
    },
    ...(frontDoorId ? { frontDoorId: frontDoorId.toLowerCase() } : {}),
    localIssuer: { enabled: localIssuer!, dataDir },
    restorePoints: { schedule: schedule! },
    activations: { leaseInMs: leaseSeconds! * 1000, pollIntervalInMs: pollSeconds! * 1000 },
    computeProvider: computeProvider!,
    simulatedCompute: simulatedCompute!,
    arm: {
      ...(armEndpoint ? { endpoint: armEndpoint } : {}),
      contentSampleEvery: contentSampleEvery!,
      ...(crossDirectoryAppClientId
        ? { crossDirectoryAppClientId: crossDirectoryAppClientId.toLowerCase() }
        : {}),
    },
  };
}

let cached: Config | undefined;

/** The process's configuration, read on first use. */
export function getConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Forget the cached configuration, so the next `getConfig` reads the environment again (tests). */
export function resetConfig(): void {
  cached = undefined;
}

/** Reads settings, collecting every problem instead of stopping at the first. */
class SettingReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  required(name: string, expects: string): string | undefined {
    const value = this.env[name]?.trim();
    if (!value) this.problems.push(`${name}: missing; expected ${expects}`);
    return value || undefined;
  }

  matching(name: string, pattern: RegExp, expects: string, fallback?: string): string | undefined {
    const value = this.env[name]?.trim() || fallback;
    if (value === undefined) {
      this.problems.push(`${name}: missing; expected ${expects}`);
      return undefined;
    }
    if (!pattern.test(value)) this.problems.push(`${name}: "${value}" is invalid; expected ${expects}`);
    return value;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T | undefined {
    const value = this.env[name]?.trim() || fallback;
    if ((values as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name}: "${value}" is invalid; expected one of ${values.join(', ')}`);
    return undefined;
  }

  /** An NCRONTAB schedule the timer trigger accepts: see `ncrontabProblem`. */
  schedule(name: string, expects: string): string | undefined {
    const value = this.required(name, expects);
    if (value === undefined) return undefined;
    const problem = ncrontabProblem(value);
    if (problem) this.problems.push(`${name}: "${value}" is invalid (${problem}); expected ${expects}`);
    return value;
  }

  url(name: string): string | undefined {
    const value = this.required(name, 'an http(s) URL');
    if (value !== undefined && !isHttpUrl(value)) {
      this.problems.push(`${name}: "${value}" is invalid; expected an http(s) URL`);
    }
    return value;
  }

  integer(name: string, min: number, max: number, fallback: number): number | undefined {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name}: "${raw}" is invalid; expected a whole number from ${min} to ${max}`);
      return undefined;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean | undefined {
    const raw = this.env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    this.problems.push(`${name}: "${raw}" is invalid; expected true or false`);
    return undefined;
  }

  /**
   * A connection as the Functions host reads it: `NAME` holds a connection string, or
   * `NAME__<endpoint>` an endpoint reached with an identity (`NAME__credential=managedidentity`
   * and `NAME__clientId` for a user-assigned one).
   */
  connection(name: string, endpointSuffix: string): Connection | undefined {
    const connectionString = this.env[name]?.trim();
    if (connectionString) {
      if (!connectionString.includes('=')) {
        this.problems.push(`${name}: expected a connection string (key=value;...)`);
        return undefined;
      }
      return { kind: 'connectionString', connectionString };
    }
    const endpointName = `${name}__${endpointSuffix}`;
    const endpoint = this.env[endpointName]?.trim();
    if (!endpoint) {
      this.problems.push(
        `${name}: missing; set ${name} to a connection string or ${endpointName} for an identity`,
      );
      return undefined;
    }
    if (!isHttpUrl(endpoint) && !/^[a-z0-9.-]+$/i.test(endpoint)) {
      this.problems.push(`${endpointName}: "${endpoint}" is invalid; expected a URL or host name`);
    }
    const credential = this.env[`${name}__${ConnectionSuffixes.credential}`]?.trim();
    if (credential && credential !== 'managedidentity') {
      this.problems.push(
        `${name}__${ConnectionSuffixes.credential}: "${credential}" is invalid; expected managedidentity`,
      );
    }
    const clientIdName = `${name}__${ConnectionSuffixes.clientId}`;
    const clientId = this.env[clientIdName]?.trim();
    if (clientId && !guidPattern.test(clientId)) {
      this.problems.push(`${clientIdName}: "${clientId}" is invalid; expected a client id (GUID)`);
    }
    return clientId ? { kind: 'identity', endpoint, clientId } : { kind: 'identity', endpoint };
  }

  simulatedCompute(name: string): SimulatedComputeSettings | undefined {
    const raw = this.env[name]?.trim();
    if (!raw) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.problems.push(
        `${name}: invalid JSON; expected an object mapping region names to capacity settings`,
      );
      return undefined;
    }
    const result = simulatedComputeSettings.safeParse(parsed);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      this.problems.push(`${name}: ${issue.path.join('.') || '(root)'} ${issue.message}`);
    }
    return undefined;
  }

  /** `{"westeurope": "https://acct.blob.core.windows.net", "northeurope": "DefaultEndpointsProtocol=..."}` */
  regionStorage(name: string): Map<string, Connection> | undefined {
    const raw = this.required(
      name,
      'a JSON object mapping region names to blob service URIs or connection strings',
    );
    if (raw === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      this.problems.push(`${name}: invalid JSON; expected an object mapping region names to storage`);
      return undefined;
    }
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      Object.keys(parsed).length === 0
    ) {
      this.problems.push(`${name}: expected a non-empty object mapping region names to storage`);
      return undefined;
    }
    const result = new Map<string, Connection>();
    for (const [region, value] of Object.entries(parsed)) {
      if (!regionPattern.test(region)) {
        this.problems.push(
          `${name}: region "${region}" is invalid; expected a region name such as westeurope`,
        );
      } else if (typeof value === 'string' && isHttpUrl(value)) {
        result.set(region, { kind: 'identity', endpoint: value });
      } else if (typeof value === 'string' && value.includes('=')) {
        result.set(region, { kind: 'connectionString', connectionString: value });
      } else {
        this.problems.push(
          `${name}: storage of region "${region}" is invalid; expected a blob service URI or connection string`,
        );
      }
    }
    return result;
  }
}

/**
 * Why `schedule` is not a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month}
 * {day-of-week}, as the Functions timer trigger reads it) that ever fires; undefined when it is.
 * Parsed by croner, the embedded runtime's own timer library, with croner's extensions that
 * NCRONTAB lacks (`?`, `#`, `L`, `@daily`) refused, so a schedule runs the same under both hosts.
 */
export function ncrontabProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6) return `${fields.length} field(s), not six`;
  const extension = fields
    .flatMap((field) => field.split(','))
    .find((part) => /[?#]/.test(part) || /^\d*L$|^LW$/i.test(part));
  if (extension !== undefined) return `"${extension}" is not NCRONTAB`;
  let cron: Cron;
  try {
    cron = new Cron(schedule, { timezone: 'UTC' }); // no function given: parsed, never scheduled
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return cron.nextRun() === null ? 'it never fires' : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
