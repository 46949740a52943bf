import { describe, expect, it } from 'vitest';
import { ConfigError, currentHost, loadConfig, ncrontabProblem, type AppHost } from '../src/config';
import { localSettings } from '../src/local/localSettings';

function problemsOf(env: Record<string, string | undefined>, host: AppHost = 'embedded'): string[] {
  try {
    loadConfig(env, host);
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

  it('refuses storage work queues under the Functions host, whose queue triggers are Service Bus only', () => {
    const env = { ...localSettings(), WORK_QUEUE_BACKEND: 'storage' };
    expect(problemsOf(env, 'functions')).toEqual([
      'WORK_QUEUE_BACKEND: "storage" cannot work under the Functions host, whose queue triggers are Service Bus queues; expected servicebus (storage is for the embedded runtime)',
    ]);
    expect(problemsOf(env, 'embedded')).toEqual([]);
  });

  it('accepts Service Bus work queues under the Functions host', () => {
    const env = {
      ...localSettings(),
      WORK_QUEUE_BACKEND: 'servicebus',
      ServiceBusConnection__fullyQualifiedNamespace: 'ns.servicebus.windows.net',
    };
    expect(loadConfig(env, 'functions').workQueue.backend).toBe('servicebus');
  });

  it('knows it is not under the Functions host here', () => {
    expect(currentHost()).toBe('embedded');
  });

  it.each([['0 */5 * * * *'], ['0 0 */2 * * *'], ['30 15 9 * * Mon-Fri'], ['0 0 0 1,15 * *']])(
    'accepts the NCRONTAB schedule %s',
    (schedule) => {
      expect(ncrontabProblem(schedule)).toBeUndefined();
      expect(problemsOf({ ...localSettings(), RESTORE_POINT_SCHEDULE: schedule })).toEqual([]);
    },
  );

  it.each([
    ['*/5 * * * *', '5 field(s), not six'],
    ['@daily', '1 field(s), not six'],
    ['0 0 0 * * * 2030', '7 field(s), not six'],
    ['61 * * * * *', 'Invalid value for second: 61'],
    ['0 */5 25 * * *', 'Invalid value for hour: 25'],
    ['a b c d e f', 'illegal characters'],
    ['0 0 0 31 2 *', 'it never fires'],
    ['0 0 12 ? * MON', '"?" is not NCRONTAB'],
    ['0 0 12 * * 5#2', '"5#2" is not NCRONTAB'],
    ['0 0 12 L * *', '"L" is not NCRONTAB'],
  ])('refuses the schedule %s: %s', (schedule, why) => {
    expect(problemsOf({ ...localSettings(), RESTORE_POINT_SCHEDULE: schedule }).join('\n')).toContain(
      `RESTORE_POINT_SCHEDULE: "${schedule}" is invalid (`,
    );
    expect(ncrontabProblem(schedule)).toContain(why);
  });
});
