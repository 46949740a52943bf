/**
 * Resource names follow one scheme — an abbreviation, then a resource token of uniqueString(
 * subscription, environment, region) — and fit Azure's rules for the longest region names.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { localSettings } from '../../src/local/localSettings';
import { at, type Declaration } from './bicepFile';
import { evaluateBicep, fileScope, uniqueStringStandIn } from './evaluateBicep';
import { evaluatedAppSettings, longRegions, main, modules } from './deployment';

/** Azure's naming rules for the resource types infra/ creates. */
const rules: Record<string, { pattern: RegExp; rule: string }> = {
  'Microsoft.Resources/resourceGroups': { pattern: /^[\w.()-]{1,89}[\w()-]$/, rule: '1–90 characters' },
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

/** A resource's name for a region, or its names when it is a loop over a literal list. */
function namesOf(file: (typeof modules)[number], resource: Declaration, region: string): string[] {
  const scope = fileScope(file, { location: region, resourceToken: uniqueStringStandIn });
  const name = at(resource.value, 'name') as string;
  if (!resource.loop) return [evaluateBicep(name, scope)];
  const items = file.declarations.find((d) => d.keyword === 'var' && d.name === resource.loop!.source)?.value;
  if (!Array.isArray(items)) return [];
  return items.map((item) => {
    const itemScope = (reference: string): string | undefined => {
      if (reference === resource.loop!.item)
        return typeof item === 'string' ? evaluateBicep(item, scope) : undefined;
      const property = new RegExp(`^${resource.loop!.item}\\.(\\w+)$`).exec(reference);
      if (property && typeof item === 'object' && !Array.isArray(item))
        return evaluateBicep(item[property[1]!] as string, scope);
      return scope(reference);
    };
    return evaluateBicep(name, itemScope);
  });
}

describe('resource names', () => {
  // An `existing` resource is named by the module that deploys it.
  const named = modules.flatMap((file) =>
    file
      .resources()
      .flatMap((resource) => (rules[resource.type] && !resource.existing ? [{ file, resource }] : [])),
  );

  it('cover every type that has a naming rule here', () => {
    const types = new Set(named.map((n) => n.resource.type));
    for (const type of Object.keys(rules).filter((t) => t !== 'Microsoft.Resources/resourceGroups')) {
      expect(types, type).toContain(type);
    }
  });

  it.each(longRegions.map((region) => [region]))('fit Azure’s rules in %s', (region) => {
    for (const { file, resource } of named) {
      const names = namesOf(file, resource, region);
      if (resource.loop) expect(names.length, `${file.path} ${resource.name}`).toBeGreaterThan(0);
      for (const name of names) {
        const { pattern, rule } = rules[resource.type]!;
        expect(name, `${file.path} ${resource.name} "${name}": ${rule}`).toMatch(pattern);
      }
    }
  });

  it('are an abbreviation and the resource token, for globally unique resources', () => {
    for (const { file, resource } of named.filter((n) => tokenNamed.includes(n.resource.type))) {
      let name = at(resource.value, 'name') as string;
      if (/^\w+$/.test(name)) name = file.variable(name) as string;
      expect(name, `${file.path} ${resource.name}`).toMatch(/^'\$\{abbrs\.\w+\}[a-z-]*\$\{resourceToken\}'$/);
    }
  });

  it('of one region never collide, whatever role the region plays', () => {
    const all = named
      .filter(({ resource }) => tokenNamed.includes(resource.type))
      .flatMap(({ file, resource }) =>
        namesOf(file, resource, 'westeurope').map((n) => `${resource.type}:${n}`),
      );
    // Two storage accounts may share a region (host and region data): their names differ.
    expect(new Set(all).size).toBe(all.length);
  });

  it('take their token from the subscription, the environment and the region', () => {
    expect(main.variable('resourceToken')).toBe(
      'toLower(uniqueString(subscription().id, environmentName, location))',
    );
    expect(main.variable('regionTokens')).toBe(
      'toObject(storageRegions, region => region, region => toLower(uniqueString(subscription().id, environmentName, region)))',
    );
    for (const regional of ['identities', 'regionStorage', 'controlPlane']) {
      expect(at(main.module(regional).value, 'params.resourceToken'), regional).toBe('regionTokens[region]');
    }
    for (const global of ['logAnalytics', 'cosmos', 'frontDoor']) {
      expect(at(main.module(global).value, 'params.resourceToken'), global).toBe('resourceToken');
    }
  });

  it('include the resource group, named after the environment', () => {
    const name = evaluateBicep(at(main.resource('rg').value, 'name') as string, (reference) =>
      reference === 'environmentName'
        ? 'e'.repeat(64)
        : reference === 'abbrs.resourcesResourceGroups'
          ? 'rg-'
          : undefined,
    );
    expect(name).toMatch(rules['Microsoft.Resources/resourceGroups']!.pattern);
  });
});

describe('the task hub', () => {
  it.each(longRegions.map((region) => [region]))('has a name the app accepts in %s', (region) => {
    const taskHub = evaluatedAppSettings(region, [region])['DURABLE_TASK_HUB']!;
    expect(taskHub.toLowerCase()).toContain(region);
    expect(() => loadConfig({ ...localSettings(), DURABLE_TASK_HUB: taskHub })).not.toThrow();
  });
});
