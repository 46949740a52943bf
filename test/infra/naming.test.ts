/**
 * Resource names follow one scheme — an abbreviation, then a resource token of uniqueString(
 * subscription, environment, region) — and fit Azure's rules for the longest region and
 * environment names: every name the compiled template deploys, as Azure would evaluate it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { localSettings } from '../../src/local/localSettings';
import type { Deployment } from './armTemplate';
import { infraDir } from './bicepFile';
import { appSettingsOf, deployed, describeCompiled, functionApps, longRegions } from './deployed';
import { standInSubscriptionId, uniqueString } from './standIns';

/** Azure's naming rules for the resource types infra/ creates, for the last segment of a name. */
const rules: Record<string, { pattern: RegExp; rule: string }> = {
  'Microsoft.Resources/resourceGroups': { pattern: /^[\w.()-]{1,89}[\w()-]$/, rule: '1–90 characters' },
  'Microsoft.Resources/deployments': { pattern: /^[\w.()-]{1,64}$/, rule: '1–64 characters' },
  'Microsoft.Storage/storageAccounts': {
    pattern: /^[a-z0-9]{3,24}$/,
    rule: '3–24 lowercase letters and digits',
  },
  'Microsoft.Storage/storageAccounts/blobServices/containers': {
    pattern: /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
    rule: '3–63 lowercase letters, digits and single hyphens',
  },
  'Microsoft.Web/sites': {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$/,
    rule: '2–60 letters, digits, hyphens',
  },
  'Microsoft.Web/serverfarms': { pattern: /^[A-Za-z0-9-]{1,60}$/, rule: '1–60 letters, digits, hyphens' },
  'Microsoft.ServiceBus/namespaces': {
    pattern: /^[A-Za-z][A-Za-z0-9-]{4,48}[A-Za-z0-9](?<!-sb)(?<!-mgmt)$/,
    rule: '6–50 characters, a letter first, not ending in -sb or -mgmt',
  },
  'Microsoft.ServiceBus/namespaces/queues': {
    pattern: /^[a-z0-9][a-z0-9._-]{0,259}$/,
    rule: '1–260 characters',
  },
  'Microsoft.DocumentDB/databaseAccounts': {
    pattern: /^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$/,
    rule: '3–44 lowercase letters, digits, hyphens',
  },
  'Microsoft.ManagedIdentity/userAssignedIdentities': {
    pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$/,
    rule: '3–128 characters',
  },
  'Microsoft.Insights/components': { pattern: /^[A-Za-z0-9_.()-]{1,255}$/, rule: '1–255 characters' },
  'Microsoft.OperationalInsights/workspaces': {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9]$/,
    rule: '4–63 letters, digits, hyphens',
  },
  'Microsoft.Cdn/profiles': {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,258}[A-Za-z0-9]$/,
    rule: '1–260 characters',
  },
  'Microsoft.Cdn/profiles/afdEndpoints': {
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]{0,44}[A-Za-z0-9]$/,
    rule: '2–46 characters',
  },
  'Microsoft.Network/FrontDoorWebApplicationFirewallPolicies': {
    pattern: /^[A-Za-z][A-Za-z0-9]{0,127}$/,
    rule: '1–128 letters and digits, a letter first: no hyphens',
  },
};

/** Globally unique names: their own token, so two environments or regions never collide. */
const tokenNamed = [
  'Microsoft.Storage/storageAccounts',
  'Microsoft.Web/sites',
  'Microsoft.Web/serverfarms',
  'Microsoft.ServiceBus/namespaces',
  'Microsoft.DocumentDB/databaseAccounts',
  'Microsoft.ManagedIdentity/userAssignedIdentities',
  'Microsoft.Insights/components',
  'Microsoft.OperationalInsights/workspaces',
  'Microsoft.Cdn/profiles',
  'Microsoft.Cdn/profiles/afdEndpoints',
];

const abbreviations = Object.values(
  JSON.parse(readFileSync(join(infraDir, 'abbreviations.json'), 'utf8')) as Record<string, string>,
);

/** The longest environment name main.bicep accepts. */
const longestEnvironment = 'e'.repeat(64);

/** A deployment with the longest names: a long region pair, the longest environment name. */
function longest(region: string): Deployment {
  const secondary = longRegions.find((r) => r !== region)!;
  return deployed(region, secondary, {
    env: { AZURE_ENV_NAME: longestEnvironment, PROTECTED_REGIONS: `${region}:${secondary}` },
  });
}

function leaf(name: string): string {
  return name.split('/').pop()!;
}

/** The token-named resources of a deployment: `type:name`. */
function tokenNames(deployment: Deployment): string[] {
  return deployment.resources
    .filter((r) => tokenNamed.includes(r.type))
    .map((r) => `${r.type}:${leaf(r.name)}`);
}

describeCompiled('resource names', () => {
  it('cover every type that has a naming rule here', () => {
    const types = new Set(deployed().resources.map((r) => r.type));
    for (const type of Object.keys(rules)) expect(types, type).toContain(type);
  });

  it.each(longRegions.map((region) => [region]))(
    'fit Azure’s rules in %s, with the longest environment name',
    (region) => {
      const deployment = longest(region);
      let checked = 0;
      for (const resource of deployment.resources.filter((r) => rules[r.type])) {
        const { pattern, rule } = rules[resource.type]!;
        expect(
          leaf(resource.name),
          `${resource.deployment} ${resource.type} "${resource.name}": ${rule}`,
        ).toMatch(pattern);
        checked++;
      }
      expect(checked).toBeGreaterThan(20);
    },
  );

  it('are an abbreviation and the token of their region, for globally unique resources', () => {
    const environment = 'dr-test';
    const deployment = deployed('westeurope', 'northeurope');
    const global = deployment.resources.filter((r) => tokenNamed.includes(r.type));
    expect(global.length).toBeGreaterThan(10);
    for (const resource of global) {
      // Global resources (Front Door) take the first region's token.
      const region = resource.location === 'global' ? 'westeurope' : resource.location!;
      const token = uniqueString(
        `/subscriptions/${standInSubscriptionId}`,
        environment,
        region,
      ).toLowerCase();
      const name = leaf(resource.name);
      expect(
        abbreviations.some((abbreviation) => new RegExp(`^${abbreviation}[a-z-]*${token}$`).test(name)),
        `${resource.type} ${name}: an abbreviation and the token of ${region} (${token})`,
      ).toBe(true);
    }
  });

  it('never collide, within a deployment, across environments or across subscriptions', () => {
    const deployment = deployed('westeurope', 'northeurope', { env: { PROTECTED_REGIONS: 'eastus:westus' } });
    // No module deploys over another's resource: in Azure the second would take over the first.
    const ids = deployment.resources.map((r) => r.id.toLowerCase());
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    // Two storage accounts share each control-plane region (host and region data): their names differ.
    const names = tokenNames(deployment);
    expect(new Set(names).size).toBe(names.length);
    const other = [
      tokenNames(deployed('westeurope', 'northeurope', { env: { AZURE_ENV_NAME: 'dr-other' } })),
      tokenNames(
        deployed('westeurope', 'northeurope', { subscriptionId: '7e9a1c3e-5a7c-4e9a-8c1e-3a5c7e9a1c3e' }),
      ),
    ];
    for (const names of other) expect(names.filter((n) => tokenNames(deployed()).includes(n))).toEqual([]);
  });

  it('include the resource group, named after the environment', () => {
    const [group] = longest('westeurope').resources.filter(
      (r) => r.type === 'Microsoft.Resources/resourceGroups',
    );
    expect(group!.name).toBe(`rg-${longestEnvironment}`);
  });
});

describeCompiled('the task hub', () => {
  it.each(longRegions.map((region) => [region]))('has a name the app accepts in %s', (region) => {
    const deployment = longest(region);
    for (const app of functionApps(deployment)) {
      const taskHub = appSettingsOf(deployment, app)['DURABLE_TASK_HUB']!;
      expect(taskHub.toLowerCase()).toContain(app.location);
      expect(() => loadConfig({ ...localSettings(), DURABLE_TASK_HUB: taskHub })).not.toThrow();
    }
  });
});
