/**
 * The compiled deployment as the infra tests read it: an azd environment, main.bicep deployed for
 * it (./armTemplate.ts), and what the tests look at in it — the Function Apps with their settings
 * and identity, the resources a setting points at, the role assignments.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect } from 'vitest';
import {
  compiledTemplate,
  compilerMissing,
  deploy,
  type ArmResource,
  type Deployment,
  type Json,
} from './armTemplate';
import { infraDir } from './bicepFile';
import { standInAudience, standInDeployerId } from './standIns';

/**
 * describe() for tests of the compiled template: skipped where there is no Bicep CLI, saying why in
 * its name; never in CI, where a missing compiler fails them.
 */
export function describeCompiled(name: string, body: () => void): void {
  describe.skipIf(compilerMissing !== undefined)(
    compilerMissing === undefined ? name : `${name} (skipped: ${compilerMissing})`,
    () => {
      // Compiling takes seconds: a hook's time, not the first test's.
      beforeAll(() => void compiledTemplate());
      body();
    },
  );
}

/** Region names among the longest Azure has: names built from them must still fit. */
export const longRegions = [
  'australiasoutheast',
  'germanywestcentral',
  'southafricanorth',
  'switzerlandnorth',
  'southcentralus',
  'brazilsoutheast',
];

/** The azd environment `azd provision` reads, as `azd up` and the preprovision hook leave it. */
export function azdEnvironment(
  location: string,
  secondaryLocation: string,
  more: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    AZURE_ENV_NAME: 'dr-test',
    AZURE_LOCATION: location,
    AZURE_SECONDARY_LOCATION: secondaryLocation,
    AZURE_PRINCIPAL_ID: standInDeployerId,
    AUTH_AUDIENCE: standInAudience,
    ...more,
  };
}

/** main.bicep deployed for an azd environment in these two control-plane regions. */
export function deployed(
  location = 'westeurope',
  secondaryLocation = 'northeurope',
  options: { env?: Record<string, string>; parameters?: Record<string, Json>; subscriptionId?: string } = {},
): Deployment {
  return deploy({
    env: azdEnvironment(location, secondaryLocation, options.env),
    ...(options.parameters ? { parameters: options.parameters } : {}),
    ...(options.subscriptionId ? { subscriptionId: options.subscriptionId } : {}),
  });
}

export function ofType(deployment: Deployment, type: string): ArmResource[] {
  return deployment.resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

/** The one resource of a type that `matches`; fails the test unless there is exactly one. */
export function theOne(
  deployment: Deployment,
  type: string,
  matches: (resource: ArmResource) => boolean,
  what: string,
): ArmResource {
  const found = ofType(deployment, type).filter(matches);
  expect(
    found.map((r) => r.name),
    `the ${type} ${what}`,
  ).toHaveLength(1);
  return found[0]!;
}

/** Resource ids name the same resource whatever their case. */
export function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The Function Apps, in the order main.bicep deploys their regions. */
export function functionApps(deployment: Deployment): ArmResource[] {
  return ofType(deployment, 'Microsoft.Web/sites').filter((site) => {
    const kind = site.body['kind'];
    return typeof kind === 'string' && kind.includes('functionapp');
  });
}

/**
 * A Function App's settings as Azure will hold them: its `config/appsettings` resource, which
 * replaces the whole list, or else `siteConfig.appSettings`.
 */
export function appSettingsOf(deployment: Deployment, app: ArmResource): Record<string, string> {
  const config = deployment.resources.find(
    (r) =>
      r.type === 'Microsoft.Web/sites/config' &&
      r.name === `${app.name}/appsettings` &&
      r.deployment === app.deployment,
  );
  const pairs = config
    ? Object.entries(config.properties)
    : (
        (app.properties['siteConfig'] as { appSettings?: { name: string; value: Json }[] } | undefined)
          ?.appSettings ?? []
      ).map(({ name, value }) => [name, value] as const);
  return Object.fromEntries(
    pairs.map(([name, value]) => {
      expect(typeof value, `${app.name} setting ${name} is a string`).toBe('string');
      return [name, value as string];
    }),
  );
}

/** The one user-assigned identity a Function App runs as, with the ids Azure gives it. */
export function identityOf(
  deployment: Deployment,
  app: ArmResource,
): { resource: ArmResource; principalId: string; clientId: string } {
  const identity = app.body['identity'] as { type: string; userAssignedIdentities: Record<string, Json> };
  expect(identity.type, `${app.name} identity`).toBe('UserAssigned');
  const ids = Object.keys(identity.userAssignedIdentities);
  expect(ids, `${app.name} identities`).toHaveLength(1);
  const resource = theOne(
    deployment,
    'Microsoft.ManagedIdentity/userAssignedIdentities',
    (r) => sameId(r.id, ids[0]!),
    `${app.name} runs as`,
  );
  return {
    resource,
    principalId: resource.runtime['principalId'] as string,
    clientId: resource.runtime['clientId'] as string,
  };
}

/** The storage account whose `service` endpoint (blob, queue, table) a setting holds. */
export function storageAt(deployment: Deployment, service: string, endpoint: string): ArmResource {
  return theOne(
    deployment,
    'Microsoft.Storage/storageAccounts',
    (r) => (r.runtime['primaryEndpoints'] as Record<string, string>)[service] === endpoint,
    `whose ${service} endpoint is ${endpoint}`,
  );
}

/** REGION_STORAGE of a Function App: region → the storage account it names there. */
export function regionStorageOf(
  deployment: Deployment,
  settings: Record<string, string>,
): Map<string, ArmResource> {
  const entries = Object.entries(JSON.parse(settings['REGION_STORAGE']!) as Record<string, string>);
  return new Map(entries.map(([region, endpoint]) => [region, storageAt(deployment, 'blob', endpoint)]));
}

/**
 * The admin portal's static-website accounts, as infra/scripts/publishPortal.sh finds them: the
 * space-separated names of the PORTAL_STORAGE_ACCOUNTS output.
 */
export function portalAccounts(deployment: Deployment): ArmResource[] {
  const output = deployment.outputs['PORTAL_STORAGE_ACCOUNTS'];
  expect(typeof output, 'PORTAL_STORAGE_ACCOUNTS').toBe('string');
  const names = (output as string).split(' ');
  return names.map((name) =>
    theOne(deployment, 'Microsoft.Storage/storageAccounts', (r) => r.name === name, `named ${name}`),
  );
}

/** The Service Bus namespace a `...__fullyQualifiedNamespace` setting names. */
export function serviceBusAt(deployment: Deployment, namespace: string): ArmResource {
  return theOne(
    deployment,
    'Microsoft.ServiceBus/namespaces',
    (r) => r.runtime['serviceBusEndpoint'] === `https://${namespace}:443/`,
    `at ${namespace}`,
  );
}

/** The Cosmos DB account a `...__accountEndpoint` setting names. */
export function cosmosAt(deployment: Deployment, endpoint: string): ArmResource {
  return theOne(
    deployment,
    'Microsoft.DocumentDB/databaseAccounts',
    (r) => r.runtime['documentEndpoint'] === endpoint,
    `at ${endpoint}`,
  );
}

/** A role assignment as Azure sees it. */
export interface Grant {
  assignment: ArmResource;
  /** The id of what it grants on (a resource, a resource group, a subscription). */
  scope: string;
  principalId: string;
  /** Absent for Cosmos DB's own data-plane assignments. */
  principalType: string | undefined;
  roleDefinitionId: string;
  /** The role definition's own id, the last segment of roleDefinitionId. */
  role: string;
}

/** Every role assignment of the deployment: Azure RBAC's and Cosmos DB's data-plane ones. */
export function grants(deployment: Deployment): Grant[] {
  const rbac = ofType(deployment, 'Microsoft.Authorization/roleAssignments').map((assignment) => ({
    assignment,
    // Without a scope of its own, an assignment applies to the resource group (or subscription) it is deployed to.
    scope:
      assignment.scope ??
      `/subscriptions/${assignment.subscriptionId}${assignment.resourceGroup ? `/resourceGroups/${assignment.resourceGroup}` : ''}`,
    principalType: assignment.properties['principalType'] as string | undefined,
  }));
  const cosmos = ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments').map(
    (assignment) => ({
      assignment,
      scope: assignment.properties['scope'] as string,
      principalType: undefined,
    }),
  );
  return [...rbac, ...cosmos].map(({ assignment, scope, principalType }) => {
    const roleDefinitionId = assignment.properties['roleDefinitionId'] as string;
    return {
      assignment,
      scope,
      principalId: assignment.properties['principalId'] as string,
      principalType,
      roleDefinitionId,
      role: roleDefinitionId.split('/').pop()!,
    };
  });
}

/** `services:` of azure.yaml: service name → its `key: value` lines. */
export function azureYamlServices(): Map<string, Record<string, string>> {
  const azureYaml = readFileSync(join(infraDir, '..', 'azure.yaml'), 'utf8');
  const block = /^services:\n((?: {2}.*\n|\n)*)/m.exec(azureYaml)?.[1] ?? '';
  const result = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of block.split('\n')) {
    const service = /^ {2}([\w-]+):\s*$/.exec(line);
    const property = /^ {4}(\w+):\s*(.+?)\s*$/.exec(line);
    if (service) result.set(service[1]!, (current = {}));
    else if (property && current) current[property[1]!] = property[2]!;
  }
  return result;
}
