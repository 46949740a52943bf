/**
 * Regions and the state store behind blackhole proxies (test/support/blackhole.ts): the settings
 * that route a region's storage account (blob, queue and table endpoints) or the Cosmos DB
 * emulator through them, and direct connections for the test's own checks while they are dark.
 */
import { createCosmosClient } from '../../src/adapters/cosmos/createCosmosClient';
import type { CosmosClient } from '@azure/cosmos';
import {
  azuriteConnectionString,
  cosmosEmulatorKey,
  regionAccounts,
  type LocalPorts,
} from '../../src/local/localSettings';
import { startBlackhole, type Blackhole, type BlackholeMode } from './blackhole';
import type { EmulatorPorts } from './globalSetup';

export interface ProxiedRegion {
  region: string;
  blob: Blackhole;
  queue: Blackhole;
  table: Blackhole;
  /** The region's storage as `REGION_STORAGE` names it, through the proxies. */
  connectionString: string;
  /** The same account reached directly, for the test's own reads and writes. */
  directConnectionString: string;
  setMode(mode: BlackholeMode): void;
  brokenConnections(): number;
  close(): Promise<void>;
}

export async function proxiedRegion(emulators: EmulatorPorts, region: string): Promise<ProxiedRegion> {
  const account = regionAccounts[region];
  if (!account) throw new TypeError(`No local account for region ${region}`);
  const [blob, queue, table] = await Promise.all([
    startBlackhole(emulators.blob),
    startBlackhole(emulators.queue),
    startBlackhole(emulators.table),
  ]);
  const proxies = [blob, queue, table];
  const ports = (p: Pick<LocalPorts, 'blob' | 'queue' | 'table'>): LocalPorts => ({
    ...p,
    http: 0,
    cosmos: 0,
  });
  return {
    region,
    blob,
    queue,
    table,
    connectionString: azuriteConnectionString(
      account,
      ports({ blob: blob.port, queue: queue.port, table: table.port }),
    ),
    directConnectionString: azuriteConnectionString(account, ports(emulators)),
    setMode: (mode) => proxies.forEach((proxy) => proxy.setMode(mode)),
    brokenConnections: () => proxies.reduce((sum, proxy) => sum + proxy.brokenConnections(), 0),
    close: async () => {
      await Promise.all(proxies.map((proxy) => proxy.close()));
    },
  };
}

/** `REGION_STORAGE` with every region direct except those given through their proxies. */
export function regionStorageWith(emulators: EmulatorPorts, proxied: readonly ProxiedRegion[]): string {
  const storage = Object.fromEntries(
    Object.entries(regionAccounts).map(([region, account]) => [
      region,
      azuriteConnectionString(account, { ...emulators, http: 0 }),
    ]),
  );
  for (const p of proxied) storage[p.region] = p.connectionString;
  return JSON.stringify(storage);
}

export interface ProxiedCosmos {
  proxy: Blackhole;
  /** `CosmosConnection` through the proxy. */
  connectionString: string;
  /** A client of the emulator itself, to look at the state while the proxy is dark. */
  directClient(): CosmosClient;
  close(): Promise<void>;
}

export async function proxiedCosmos(emulators: EmulatorPorts): Promise<ProxiedCosmos> {
  const proxy = await startBlackhole(emulators.cosmos);
  const connection = (port: number) =>
    `AccountEndpoint=http://127.0.0.1:${port}/;AccountKey=${cosmosEmulatorKey}`;
  return {
    proxy,
    connectionString: connection(proxy.port),
    directClient: () =>
      createCosmosClient({ kind: 'connectionString', connectionString: connection(emulators.cosmos) }),
    close: () => proxy.close(),
  };
}

/** How long `work` took, in milliseconds, with what it gave. */
export async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: Math.round(performance.now() - started), value };
}
