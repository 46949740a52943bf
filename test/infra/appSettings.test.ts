/**
 * Each Function App's settings, as the compiled template sets them, and the settings the code reads
 * are the same list, spelled the same, and their values pass the app's own validation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { registeredFunctions } from '../../src/functions/registry';
import { ConnectionSuffixes, SettingNames } from '../../src/settingNames';
import '../../src/functions';
import {
  appSettingsOf,
  cosmosAt,
  deployed,
  describeCompiled,
  functionApps,
  identityOf,
  longRegions,
  ofType,
  serviceBusAt,
} from './deployed';
import { standInTenantId } from './standIns';

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

const root = join(__dirname, '..', '..');

function expressions(text: string): string[] {
  return [...text.matchAll(/%([A-Za-z0-9_]+)%/g)].map((m) => m[1]!);
}

/** Each Function App of the default deployment (westeurope, northeurope) with its settings. */
function apps() {
  const deployment = deployed();
  return functionApps(deployment).map((app) => ({ app, settings: appSettingsOf(deployment, app) }));
}

describeCompiled('the Function App settings', () => {
  it('are set on the Function App of each control-plane region', () => {
    expect(apps().map(({ app }) => app.location)).toEqual(['westeurope', 'northeurope']);
  });

  it("run on Azure Functions' current Node runtime, 22, which package.json's engines declare", () => {
    const { engines, devDependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    // Node 20 reached end of life on 30 April 2026 and the Azure SDK's current releases require 22.
    expect(engines.node).toBe('>=22');
    expect(devDependencies['@types/node']).toMatch(/^\^22\./);
    for (const { app } of apps()) {
      expect(app.properties['functionAppConfig']).toMatchObject({ runtime: { name: 'node', version: '22' } });
    }
  });

  it.each(Object.values(SettingNames).filter((name) => !localOnly.has(name)))('set %s', (name) => {
    for (const { app, settings } of apps()) {
      expect(
        Object.keys(settings).some((key) => key === name || key.startsWith(`${name}__`)),
        `${name} is read by config.ts but not set on ${app.name}`,
      ).toBe(true);
    }
  });

  it('set every %SETTING% that host.json and the timers name', () => {
    const named = expressions(readFileSync(join(root, 'host.json'), 'utf8'));
    for (const fn of registeredFunctions()) if (fn.kind === 'timer') named.push(...expressions(fn.schedule));
    expect(named.length).toBeGreaterThan(0);
    for (const { settings } of apps()) {
      for (const name of named) expect(settings[name], `${name} is named as %${name}%`).toBeTruthy();
    }
  });

  it('name only settings that something reads', () => {
    for (const { app, settings } of apps()) {
      for (const name of Object.keys(settings).filter((n) => !(n in platformSettings))) {
        const [base, suffix, ...rest] = name.split('__');
        expect(
          Object.values(SettingNames) as string[],
          `${app.name}: ${name} is not read by config.ts`,
        ).toContain(base);
        expect(rest).toEqual([]);
        if (suffix !== undefined) {
          expect(
            [...Object.values(ConnectionSuffixes), ...(hostOnlySuffixes[base!] ?? [])],
            `${name}: unknown connection suffix`,
          ).toContain(suffix);
        }
      }
    }
  });

  it('leave the local-only settings unset', () => {
    for (const { settings } of apps())
      for (const name of localOnly) expect(settings).not.toHaveProperty(name);
  });

  it("connect with the app's own identity: an endpoint, credential=managedidentity and its client id, no connection string", () => {
    const deployment = deployed();
    for (const { app, settings } of apps()) {
      const { clientId } = identityOf(deployment, app);
      const names = Object.keys(settings);
      const prefixes = new Set(
        names.filter((n) => endpointSuffixes.has(n.split('__')[1] ?? '')).map((n) => n.split('__')[0]!),
      );
      expect([...prefixes].sort()).toEqual(
        [SettingNames.cosmosConnection, SettingNames.hostStorage, SettingNames.serviceBusConnection].sort(),
      );
      for (const prefix of prefixes) {
        expect(names, `${prefix} would be read as a connection string`).not.toContain(prefix);
        expect(settings[`${prefix}__credential`]).toBe('managedidentity');
        expect(settings[`${prefix}__clientId`], `${app.name} ${prefix}__clientId`).toBe(clientId);
      }
      expect(settings['AZURE_CLIENT_ID']).toBe(clientId);
      expect(settings['APPLICATIONINSIGHTS_AUTHENTICATION_STRING']).toBe(
        `ClientId=${clientId};Authorization=AAD`,
      );
    }
  });

  it("trust only this deployment's Front Door: FRONT_DOOR_ID is the profile's id, the one the app admits", () => {
    const deployment = deployed();
    const [profile] = ofType(deployment, 'Microsoft.Cdn/profiles');
    expect(ofType(deployment, 'Microsoft.Cdn/profiles')).toHaveLength(1);
    for (const { app, settings } of apps()) {
      expect(settings['FRONT_DOOR_ID']).toBe(profile!.runtime['frontDoorId']);
      const rules = (
        app.properties['siteConfig'] as { ipSecurityRestrictions: { headers?: Record<string, string[]> }[] }
      ).ipSecurityRestrictions;
      expect(rules.flatMap((rule) => rule.headers?.['x-azure-fdid'] ?? [])).toEqual([
        settings['FRONT_DOOR_ID'],
      ]);
    }
  });

  it.each(longRegions.map((region) => [region]))('pass the app’s validation in %s', (region) => {
    const deployment = deployed(region, 'southeastasia');
    for (const app of functionApps(deployment)) {
      const env = appSettingsOf(deployment, app);
      const { clientId } = identityOf(deployment, app);
      const config = loadConfig(env);
      expect(config.region).toBe(app.location);
      expect(config.workQueue).toEqual({
        backend: 'servicebus',
        connection: {
          kind: 'identity',
          endpoint: env['ServiceBusConnection__fullyQualifiedNamespace'],
          clientId,
        },
      });
      // The endpoints are those of resources this deployment makes.
      serviceBusAt(deployment, env['ServiceBusConnection__fullyQualifiedNamespace']!);
      cosmosAt(deployment, env['CosmosConnection__accountEndpoint']!);
      expect(config.cosmos.connection).toMatchObject({ kind: 'identity', clientId });
      expect(config.localIssuer.enabled).toBe(false);
      expect([...config.regionStorage.keys()].sort()).toEqual([region, 'southeastasia'].sort());
      expect([...config.regionStorage.values()].every((c) => c.kind === 'identity')).toBe(true);
      expect(config.auth.issuer).toBe('https://login.microsoftonline.com/{tenantid}/v2.0');
      expect(config.auth.platformTenantId).toBe(standInTenantId);
    }
  });

  it('recover onto Azure compute: an Azure deployment never runs the simulated provider by default', () => {
    for (const { settings } of apps()) {
      expect(settings[SettingNames.computeProvider]).toBe('azure');
      expect(loadConfig(settings).computeProvider).toBe('azure');
    }
  });

  it("default the database to the app's own default", () => {
    for (const { settings } of apps()) {
      const { COSMOS_DATABASE: _database, ...withoutDatabase } = settings;
      expect(settings['COSMOS_DATABASE']).toBe(loadConfig(withoutDatabase).cosmos.database);
    }
  });
});
