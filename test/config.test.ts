import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { localSettings } from '../src/local/localSettings';

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('accepts the embedded runtime settings', () => {
    const config = loadConfig(localSettings());
    expect(config.region).toBe('westeurope');
    expect([...config.regionStorage.keys()].sort()).toEqual(['northeurope', 'westeurope']);
    expect(config.workQueue.backend).toBe('storage');
    expect(config.cosmos.connection.kind).toBe('connectionString');
    expect(config.auth.clockSkewSeconds).toBe(60);
    expect(config.localIssuer.enabled).toBe(true);
  });

  it('names every missing setting in one message, with what it expects', () => {
    let error: unknown;
    try {
      loadConfig({});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of [
      'CONTROL_PLANE_REGION',
      'REGION_STORAGE',
      'CosmosConnection',
      'ServiceBusConnection',
      'DURABLE_TASK_HUB',
      'AUTH_ISSUER',
      'AUTH_AUDIENCE',
      'AUTH_JWKS_URI',
      'PLATFORM_TENANT_ID',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).toContain('CosmosConnection__accountEndpoint');
  });

  it('reads identity-based connections with a user-assigned identity', () => {
    const env = {
      ...localSettings(),
      CosmosConnection: '',
      CosmosConnection__accountEndpoint: 'https://acct.documents.azure.com:443/',
      CosmosConnection__credential: 'managedidentity',
      CosmosConnection__clientId: '00000000-0000-0000-0000-000000000001',
      WORK_QUEUE_BACKEND: 'servicebus',
      ServiceBusConnection__fullyQualifiedNamespace: 'ns.servicebus.windows.net',
      REGION_STORAGE: JSON.stringify({
        westeurope: 'https://a.blob.core.windows.net',
        northeurope: 'https://b.blob.core.windows.net',
      }),
    };
    const config = loadConfig(env);
    expect(config.cosmos.connection).toEqual({
      kind: 'identity',
      endpoint: 'https://acct.documents.azure.com:443/',
      clientId: '00000000-0000-0000-0000-000000000001',
    });
    expect(config.workQueue).toEqual({
      backend: 'servicebus',
      connection: { kind: 'identity', endpoint: 'ns.servicebus.windows.net' },
    });
    expect(config.regionStorage.get('northeurope')).toEqual({
      kind: 'identity',
      endpoint: 'https://b.blob.core.windows.net',
    });
  });

  it.each([
    ['CONTROL_PLANE_REGION', 'West Europe', 'CONTROL_PLANE_REGION: "West Europe" is invalid'],
    ['REGION_STORAGE', '{not json', 'REGION_STORAGE: invalid JSON'],
    ['REGION_STORAGE', '[]', 'REGION_STORAGE: expected a non-empty object'],
    ['REGION_STORAGE', '{"westeurope": 42}', 'storage of region "westeurope" is invalid'],
    [
      'REGION_STORAGE',
      '{"northeurope": "https://b.blob.core.windows.net"}',
      'expected an entry for CONTROL_PLANE_REGION "westeurope"',
    ],
    [
      'WORK_QUEUE_BACKEND',
      'kafka',
      'WORK_QUEUE_BACKEND: "kafka" is invalid; expected one of servicebus, storage',
    ],
    ['DURABLE_TASK_HUB', 'a-b', 'DURABLE_TASK_HUB: "a-b" is invalid'],
    ['AUTH_JWKS_URI', 'not a url', 'AUTH_JWKS_URI: "not a url" is invalid'],
    ['AUTH_CLOCK_SKEW_SECONDS', '900', 'AUTH_CLOCK_SKEW_SECONDS: "900" is invalid'],
    ['LOCAL_ISSUER', 'yes', 'LOCAL_ISSUER: "yes" is invalid; expected true or false'],
    ['CosmosConnection', 'just-a-key', 'CosmosConnection: expected a connection string'],
  ])('rejects %s=%s', (name, value, expected) => {
    const problems = problemsOf({ ...localSettings(), [name]: value });
    expect(problems.join('\n')).toContain(expected);
  });

  it('rejects a credential other than managedidentity and a client id that is not a GUID', () => {
    const problems = problemsOf({
      ...localSettings(),
      CosmosConnection: '',
      CosmosConnection__accountEndpoint: 'https://acct.documents.azure.com/',
      CosmosConnection__credential: 'password',
      CosmosConnection__clientId: 'me',
    });
    expect(problems).toEqual([
      'CosmosConnection__credential: "password" is invalid; expected managedidentity',
      'CosmosConnection__clientId: "me" is invalid; expected a client id (GUID)',
    ]);
  });
});
