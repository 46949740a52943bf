/**
 * The Function App's settings in Bicep and the settings the code reads are the same list, spelled
 * the same, and their values pass the app's own validation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { registeredFunctions } from '../../src/functions/registry';
import { ConnectionSuffixes, SettingNames } from '../../src/settingNames';
import '../../src/functions';
import { appSettings, evaluatedAppSettings, longRegions, main, standInClientId } from './deployment';

/** Only the embedded runtime sets these; in Azure LOCAL_ISSUER keeps its default, false. */
const localOnly = new Set<string>([SettingNames.localIssuer, SettingNames.localDataDir]);

/** Read by the platform or an SDK, not by config.ts, and why they are set. */
const platformSettings: Record<string, string> = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'the Functions host sends telemetry there',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
    'the host authenticates telemetry with the identity (local auth is off)',
  AZURE_CLIENT_ID: "DefaultAzureCredential's managed identity, for REGION_STORAGE entries, which name none",
};

/** Endpoints the Functions host reads beyond those config.ts reads: the Durable task hub keeps tables. */
const hostOnlySuffixes: Record<string, string[]> = { [SettingNames.hostStorage]: ['tableServiceUri'] };

const endpointSuffixes = new Set<string>([
  ConnectionSuffixes.accountEndpoint,
  ConnectionSuffixes.fullyQualifiedNamespace,
  ConnectionSuffixes.blobServiceUri,
  ConnectionSuffixes.queueServiceUri,
  'tableServiceUri',
]);

const names = Object.keys(appSettings);
const root = join(__dirname, '..', '..');

function expressions(text: string): string[] {
  return [...text.matchAll(/%([A-Za-z0-9_]+)%/g)].map((m) => m[1]!);
}

describe('the Function App settings', () => {
  it.each(Object.values(SettingNames).filter((name) => !localOnly.has(name)))('set %s', (name) => {
    expect(
      names.some((key) => key === name || key.startsWith(`${name}__`)),
      `${name} is read by config.ts but not set in modules/controlPlane.bicep`,
    ).toBe(true);
  });

  it('set every %SETTING% that host.json and the timers name', () => {
    const named = expressions(readFileSync(join(root, 'host.json'), 'utf8'));
    for (const fn of registeredFunctions()) if (fn.kind === 'timer') named.push(...expressions(fn.schedule));
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(names, `${name} is named as %${name}%`).toContain(name);
  });

  it.each(names.map((name) => [name]))('name %s, which something reads', (name) => {
    if (name in platformSettings) return;
    const [base, suffix, ...rest] = name.split('__');
    expect(Object.values(SettingNames) as string[], `${name} is not read by config.ts`).toContain(base);
    expect(rest).toEqual([]);
    if (suffix !== undefined) {
      expect(
        [...Object.values(ConnectionSuffixes), ...(hostOnlySuffixes[base!] ?? [])],
        `${name}: unknown connection suffix`,
      ).toContain(suffix);
    }
  });

  it('leave the local-only settings unset', () => {
    for (const name of localOnly) expect(names).not.toContain(name);
  });

  it('connect with the identity: an endpoint, credential=managedidentity and the client id, no connection string', () => {
    const prefixes = new Set(
      names.filter((n) => endpointSuffixes.has(n.split('__')[1] ?? '')).map((n) => n.split('__')[0]!),
    );
    expect([...prefixes].sort()).toEqual(
      [SettingNames.cosmosConnection, SettingNames.hostStorage, SettingNames.serviceBusConnection].sort(),
    );
    for (const prefix of prefixes) {
      expect(names, `${prefix} would be read as a connection string`).not.toContain(prefix);
      expect(appSettings[`${prefix}__credential`]).toBe("'managedidentity'");
      expect(appSettings[`${prefix}__clientId`]).toBe('identityClientId');
    }
    expect(appSettings['AZURE_CLIENT_ID']).toBe('identityClientId');
  });

  it.each(longRegions.map((region) => [region]))('pass the app’s validation in %s', (region) => {
    const env = evaluatedAppSettings(region, [region, 'southeastasia']);
    const config = loadConfig(env);
    expect(config.region).toBe(region);
    expect(config.workQueue).toEqual({
      backend: 'servicebus',
      connection: {
        kind: 'identity',
        endpoint: env['ServiceBusConnection__fullyQualifiedNamespace'],
        clientId: standInClientId,
      },
    });
    expect(config.cosmos.connection).toMatchObject({ kind: 'identity', clientId: standInClientId });
    expect(config.restorePoints.copy).toBe('incremental');
    expect(config.localIssuer.enabled).toBe(false);
    expect([...config.regionStorage.values()].every((c) => c.kind === 'identity')).toBe(true);
    expect(config.auth.issuer).toBe('https://login.microsoftonline.com/{tenantid}/v2.0');
  });

  it("default the database to the app's own default", () => {
    const env = evaluatedAppSettings('westeurope', ['westeurope']);
    const { COSMOS_DATABASE: _database, ...withoutDatabase } = env;
    expect(env['COSMOS_DATABASE']).toBe(loadConfig(withoutDatabase).cosmos.database);
  });
});

describe('main.bicep outputs', () => {
  const outputs = main.outputs();
  const settingOutputs = outputs.filter((o) => names.includes(o.name));

  it('are UPPER_SNAKE, or spelled exactly as the app setting they carry', () => {
    for (const output of outputs) {
      expect(/^[A-Z][A-Z0-9_]*$/.test(output.name) || names.includes(output.name), output.name).toBe(true);
    }
  });

  it('carry the app setting of the same name, as the first region has it', () => {
    expect(settingOutputs.length).toBeGreaterThan(0);
    for (const output of settingOutputs) {
      expect(output.value).toBe(`controlPlane[0].outputs.settings.${output.name}`);
    }
  });

  it('include every setting a local run against Azure needs', () => {
    // The host storage and task hub stay on the developer's machine, as do the local-only settings.
    const perRegionHost = new Set<string>([SettingNames.hostStorage, SettingNames.taskHub, ...localOnly]);
    for (const name of Object.values(SettingNames).filter((n) => !perRegionHost.has(n))) {
      const carried = settingOutputs.some(
        (o) =>
          o.name === name || (o.name.startsWith(`${name}__`) && endpointSuffixes.has(o.name.split('__')[1]!)),
      );
      expect(carried, `no output carries ${name}`).toBe(true);
    }
  });
});
