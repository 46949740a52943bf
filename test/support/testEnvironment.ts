/**
 * Points this test file's process at the shared emulators with its own Cosmos database and data
 * folder, and serves the registered routes on a free port, as the embedded runtime does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  loadLocalSigningKey,
  signLocalToken,
  type LocalTokenClaims,
} from '../../src/adapters/local-issuer/localIssuer';
import { createCosmosClient } from '../../src/adapters/cosmos/createCosmosClient';
import { ensureCosmosSchema } from '../../src/adapters/cosmos/ensureCosmosSchema';
import { resetServices, services } from '../../src/compositionRoot';
import { httpFunctions } from '../../src/functions/registry';
import { freePort } from '../../src/local/emulators/freePort';
import { startHttpHost } from '../../src/local/httpHost';
import { azuriteConnectionString, localSettings } from '../../src/local/localSettings';
import { currentPoolId, workerHostAccount } from './workerHostAccount';
import '../../src/functions';

export interface TestEnvironment {
  baseUrl: string;
  settings: Record<string, string>;
  /** A token from the local issuer; override any claim to make a bad one. */
  token(tenantId: string, roles: string[], overrides?: Partial<LocalTokenClaims>): Promise<string>;
  close(): Promise<void>;
}

export async function startTestEnvironment(
  extraSettings: Record<string, string> = {},
): Promise<TestEnvironment> {
  const emulators = inject('emulators');
  const dataDir = await mkdtemp(join(tmpdir(), 'clouddr-test-'));
  const httpPort = await freePort();
  const ports = { ...emulators, http: httpPort };
  const poolId = currentPoolId();
  const settings = {
    ...localSettings(ports, dataDir),
    COSMOS_DATABASE: `test-${randomUUID()}`,
    // Work queues and task hub of this worker alone: files running at once must not share them.
    AzureWebJobsStorage: azuriteConnectionString(workerHostAccount(poolId), ports),
    ...extraSettings,
  };
  Object.assign(process.env, settings);
  await resetServices();
  const { config } = services();
  const cosmos = createCosmosClient(config.cosmos.connection);
  await ensureCosmosSchema(cosmos, config.cosmos.database);
  cosmos.dispose();

  const host = await startHttpHost(httpFunctions(), { port: httpPort });
  const key = await loadLocalSigningKey(dataDir);
  return {
    baseUrl: `http://localhost:${httpPort}/api`,
    settings,
    token: (tenantId, roles, overrides = {}) =>
      signLocalToken(key, {
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        tenantId,
        roles,
        ...overrides,
      }),
    async close() {
      await host.close();
      await resetServices();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
