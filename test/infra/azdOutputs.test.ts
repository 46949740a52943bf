/**
 * azure.yaml's services, the outputs of the compiled main template and the settings the app reads
 * agree: azd finds each service's Function App and the environment it reads back, and
 * `azd env get-values` holds, under the app's own names and with the first region's values, every
 * setting a local run against Azure needs.
 */
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { ConnectionSuffixes, SettingNames } from '../../src/settingNames';
import { azdParameters, compiledTemplate } from './armTemplate';
import {
  appSettingsOf,
  azureYamlServices,
  deployed,
  describeCompiled,
  functionApps,
  ofType,
} from './deployed';
import { standInTenantId } from './standIns';

/** What a local run keeps on the developer's machine: the Functions host's storage, its own task hub, the local-only settings. */
const staysLocal = new Set<string>([
  SettingNames.hostStorage,
  SettingNames.taskHub,
  SettingNames.localIssuer,
  SettingNames.localDataDir,
]);

const endpointSuffixes = new Set<string>([
  ConnectionSuffixes.accountEndpoint,
  ConnectionSuffixes.fullyQualifiedNamespace,
  ConnectionSuffixes.blobServiceUri,
  ConnectionSuffixes.queueServiceUri,
]);

/** The output azd reads a service's resource name from: SERVICE_<NAME>_NAME. */
function serviceOutput(service: string): string {
  return `SERVICE_${service.toUpperCase().replace(/-/g, '_')}_NAME`;
}

describeCompiled('azure.yaml and the outputs of main.bicep', () => {
  const services = [...azureYamlServices()];

  it('deploy each service to the one Function App tagged with its name, which SERVICE_<NAME>_NAME names', () => {
    const deployment = deployed();
    expect(services.length).toBeGreaterThan(0);
    for (const [service, { host, language }] of services) {
      const apps = deployment.resources.filter(
        (r) => (r.body['tags'] as Record<string, string> | undefined)?.['azd-service-name'] === service,
      );
      expect(
        apps.map((app) => app.type),
        `resources tagged azd-service-name: ${service}`,
      ).toEqual(['Microsoft.Web/sites']);
      expect(deployment.outputs[serviceOutput(service)], serviceOutput(service)).toBe(apps[0]!.name);
      expect(host).toBe('function');
      expect(apps[0]!.body['kind']).toMatch(/functionapp/);
      expect(language).toBe('ts');
      expect(apps[0]!.properties['functionAppConfig']).toMatchObject({ runtime: { name: 'node' } });
    }
  });

  it('have a service for every Function App: api1 in AZURE_LOCATION, api2 in AZURE_SECONDARY_LOCATION', () => {
    const deployment = deployed('westeurope', 'northeurope');
    const apps = functionApps(deployment);
    expect(apps.map((app) => (app.body['tags'] as Record<string, string>)['azd-service-name'])).toEqual(
      services.map(([service]) => service),
    );
    expect(apps.map((app) => app.location)).toEqual(['westeurope', 'northeurope']);
  });

  it('hand azd back its environment: the regions, the tenant, the resource group that holds everything', () => {
    const deployment = deployed('westeurope', 'northeurope');
    expect(deployment.outputs['AZURE_LOCATION']).toBe('westeurope');
    expect(deployment.outputs['AZURE_SECONDARY_LOCATION']).toBe('northeurope');
    expect(deployment.outputs['AZURE_TENANT_ID']).toBe(standInTenantId);
    const [group] = ofType(deployment, 'Microsoft.Resources/resourceGroups');
    expect(ofType(deployment, 'Microsoft.Resources/resourceGroups')).toHaveLength(1);
    expect(deployment.outputs['AZURE_RESOURCE_GROUP']).toBe(group!.name);
    // But the managed-disk role: a role definition belongs to the subscription, not to a group.
    const grouped = deployment.resources.filter(
      (r) => r.deployment !== '' && r.type !== 'Microsoft.Authorization/roleDefinitions',
    );
    for (const resource of grouped) {
      expect(resource.resourceGroup, `${resource.type} ${resource.name}`).toBe(group!.name);
    }
  });

  it('deploy at subscription scope, from main.parameters.json, which passes every parameter without a default and no other', () => {
    const template = compiledTemplate();
    expect(template.$schema).toMatch(/\/subscriptionDeploymentTemplate\.json#$/);
    const passed = Object.keys(azdParameters({}));
    for (const name of passed) expect(Object.keys(template.parameters ?? {}), name).toContain(name);
    for (const [name, definition] of Object.entries(template.parameters ?? {})) {
      if (!('defaultValue' in definition)) expect(passed, name).toContain(name);
    }
  });

  it('tag every resource that takes tags with azd-env-name, by which azd finds them', () => {
    const deployment = deployed();
    // Child resources, extension resources (role assignments, diagnostic settings), role
    // definitions and the deployments themselves take no tags of their own.
    const taggable = deployment.resources.filter(
      (r) =>
        r.name.split('/').length === 1 &&
        r.scope === undefined &&
        r.type !== 'Microsoft.Resources/deployments' &&
        r.type !== 'Microsoft.Authorization/roleDefinitions',
    );
    expect(taggable.length).toBeGreaterThan(10);
    for (const resource of taggable) {
      expect(resource.body['tags'], `${resource.type} ${resource.name}`).toMatchObject({
        'azd-env-name': 'dr-test',
      });
    }
  });

  it('are UPPER_SNAKE, or spelled exactly as the app setting they carry', () => {
    const deployment = deployed();
    const settings = appSettingsOf(deployment, functionApps(deployment)[0]!);
    for (const name of Object.keys(deployment.outputs)) {
      expect(/^[A-Z][A-Z0-9_]*$/.test(name) || name in settings, name).toBe(true);
    }
  });

  it('carry every setting a local run against Azure needs, under its own name, as the first region has it', () => {
    const deployment = deployed('westeurope', 'northeurope');
    const first = functionApps(deployment)[0]!;
    expect(first.location).toBe('westeurope');
    const settings = appSettingsOf(deployment, first);
    const carried = Object.keys(deployment.outputs).filter((name) => name in settings);
    for (const name of Object.values(SettingNames).filter((n) => !staysLocal.has(n))) {
      const outputs = carried.filter(
        (o) => o === name || (o.startsWith(`${name}__`) && endpointSuffixes.has(o.split('__')[1]!)),
      );
      expect(outputs, `no output carries ${name}`).not.toEqual([]);
    }
    const template = compiledTemplate();
    for (const name of carried) {
      expect(deployment.outputs[name], name).toBe(settings[name]);
      expect(template.outputs?.[name]?.type, name).toBe('string');
    }
  });

  it("keep on the developer's machine what must stay there: the host storage, the task hub, the local-only settings", () => {
    const { outputs } = deployed();
    for (const name of Object.keys(outputs)) {
      expect(staysLocal.has(name.split('__')[0]!), `${name} would reach a local run`).toBe(false);
    }
  });

  it('give a local run a configuration the app accepts, for the first region', () => {
    const { outputs } = deployed('westeurope', 'northeurope');
    const env = Object.fromEntries(
      Object.entries(outputs).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
    // The task hub is the developer's own: never the one a Function App in Azure runs.
    const config = loadConfig({ ...env, [SettingNames.taskHub]: 'clouddrlocal' });
    expect(config.region).toBe('westeurope');
    expect(config.workQueue.backend).toBe('servicebus');
    expect(config.cosmos.connection.kind).toBe('identity');
    expect([...config.regionStorage.keys()].sort()).toEqual(['northeurope', 'westeurope']);
  });
});
