/**
 * No keys anywhere, and every identity-based connection backed by exactly the roles it needs, on
 * the resource it reaches, for every control-plane identity and (when asked) the deploying user:
 * read from the role assignments of the compiled template as Azure will see them.
 */
import { describe, expect, it } from 'vitest';
import { SettingNames } from '../../src/settingNames';
import type { ArmResource, Deployment } from './armTemplate';
import { compiledTemplate } from './armTemplate';
import {
  appSettingsOf,
  cosmosAt,
  deployed,
  describeCompiled,
  functionApps,
  grants,
  identityOf,
  ofType,
  portalAccounts,
  regionStorageOf,
  sameId,
  serviceBusAt,
  storageAt,
  theOne,
  type Grant,
} from './deployed';
import { controlPlane, portalSite, regionStorage } from './deployment';
import { guid, standInDeployerId, standInSubscriptionId } from './standIns';

/** Azure's built-in roles by name (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const builtInRoles: Record<string, string> = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
};
/** Cosmos DB's own data-plane role, defined on every account: data only, no account management. */
const cosmosDataContributor = '00000000-0000-0000-0000-000000000002';
const roleNames: Record<string, string> = {
  ...Object.fromEntries(Object.entries(builtInRoles).map(([name, id]) => [id, name])),
  [cosmosDataContributor]: 'Cosmos DB Built-in Data Contributor',
};

/**
 * Who reaches what with the identity: the connection, the resources its settings point at in a
 * Function App's settings, and the roles it needs on each.
 */
const requiredAccess: {
  connection: string;
  reaches: (deployment: Deployment, settings: Record<string, string>, clientId: string) => ArmResource[];
  roles: string[];
}[] = [
  {
    connection: SettingNames.hostStorage,
    reaches: (deployment, settings) => {
      const account = storageAt(deployment, 'blob', settings['AzureWebJobsStorage__blobServiceUri']!);
      for (const service of ['queue', 'table']) {
        expect(storageAt(deployment, service, settings[`AzureWebJobsStorage__${service}ServiceUri`]!)).toBe(
          account,
        );
      }
      return [account];
    },
    roles: ['Storage Blob Data Owner', 'Storage Queue Data Contributor', 'Storage Table Data Contributor'],
  },
  {
    connection: SettingNames.serviceBusConnection,
    reaches: (deployment, settings) => [
      serviceBusAt(deployment, settings['ServiceBusConnection__fullyQualifiedNamespace']!),
    ],
    roles: ['Azure Service Bus Data Sender', 'Azure Service Bus Data Receiver'],
  },
  {
    connection: SettingNames.cosmosConnection,
    reaches: (deployment, settings) => [cosmosAt(deployment, settings['CosmosConnection__accountEndpoint']!)],
    roles: ['Cosmos DB Built-in Data Contributor'],
  },
  {
    connection: SettingNames.regionStorage,
    reaches: (deployment, settings) => {
      const accounts = regionStorageOf(deployment, settings);
      for (const [region, account] of accounts)
        expect(account.location, `REGION_STORAGE ${region}`).toBe(region);
      return [...accounts.values()];
    },
    // Blobs (disks, restore points), and the audit table of the control-plane regions.
    roles: ['Storage Blob Data Contributor', 'Storage Table Data Contributor'],
  },
  {
    connection: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    reaches: (deployment, settings, clientId) => {
      expect(settings['APPLICATIONINSIGHTS_AUTHENTICATION_STRING']).toBe(
        `ClientId=${clientId};Authorization=AAD`,
      );
      return [
        theOne(
          deployment,
          'Microsoft.Insights/components',
          (r) => r.runtime['ConnectionString'] === settings['APPLICATIONINSIGHTS_CONNECTION_STRING'],
          'APPLICATIONINSIGHTS_CONNECTION_STRING names',
        ),
      ];
    },
    roles: ['Monitoring Metrics Publisher'],
  },
];

/** The names of the roles a principal holds on a resource, sorted. */
function rolesOn(all: Grant[], principalId: string, resource: ArmResource): string[] {
  return all
    .filter((g) => g.principalId === principalId && sameId(g.scope, resource.id))
    .map((g) => roleNames[g.role] ?? g.role)
    .sort();
}

/** Each Function App with its settings and its identity. */
function apps(deployment: Deployment) {
  return functionApps(deployment).map((app) => ({
    app,
    settings: appSettingsOf(deployment, app),
    identity: identityOf(deployment, app),
  }));
}

describeCompiled('identity-based connections', () => {
  it('are all known: every setting that connects with the identity has its required access listed', () => {
    for (const { settings } of apps(deployed())) {
      const identityConnections = new Set([
        ...Object.keys(settings)
          .filter((name) => name.endsWith('__credential'))
          .map((name) => name.split('__')[0]!),
        // Blob service URIs, reached with DefaultAzureCredential (AZURE_CLIENT_ID).
        SettingNames.regionStorage,
        ...Object.keys(settings).filter((name) => settings[name]!.includes('Authorization=AAD')),
      ]);
      expect([...identityConnections].sort()).toEqual(requiredAccess.map((a) => a.connection).sort());
    }
  });

  it.each(requiredAccess.map((access) => [access.connection, access]))(
    '%s: each app’s identity has exactly its roles on the resources the settings point at',
    (_connection, access) => {
      const deployment = deployed();
      const all = grants(deployment);
      for (const { app, settings, identity } of apps(deployment)) {
        const reached = access.reaches(deployment, settings, identity.clientId);
        expect(reached.length).toBeGreaterThan(0);
        for (const resource of reached) {
          expect(rolesOn(all, identity.principalId, resource), `${app.name} on ${resource.name}`).toEqual(
            [...access.roles].sort(),
          );
        }
      }
    },
  );
});

describeCompiled('role assignments', () => {
  it("assign built-in roles by the ids Azure knows them by: the subscription's role definitions, Cosmos DB's under its account", () => {
    const all = grants(deployed());
    expect(all.length).toBeGreaterThan(0);
    for (const grant of all) {
      const { assignment } = grant;
      if (assignment.type === 'Microsoft.Authorization/roleAssignments') {
        expect(Object.values(builtInRoles), `${assignment.deployment}: role ${grant.role}`).toContain(
          grant.role,
        );
        expect(grant.roleDefinitionId).toBe(
          `/subscriptions/${standInSubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${grant.role}`,
        );
      } else {
        const account = assignment.id.split('/sqlRoleAssignments/')[0]!;
        expect(grant.role).toBe(cosmosDataContributor);
        expect(grant.roleDefinitionId).toBe(`${account}/sqlRoleDefinitions/${cosmosDataContributor}`);
        expect(grant.scope, 'the whole account').toBe(account);
      }
    }
  });

  it('are each scoped to one resource, never a resource group or the subscription', () => {
    const deployment = deployed();
    for (const grant of grants(deployment)) {
      const resource = deployment.resources.find((r) => sameId(r.id, grant.scope));
      expect(
        resource?.type,
        `${grant.assignment.deployment} ${grant.assignment.name}: scope ${grant.scope}`,
      ).toMatch(
        /^Microsoft\.(Storage\/storageAccounts|ServiceBus\/namespaces|Insights\/components|DocumentDB\/databaseAccounts)$/,
      );
    }
  });

  it('are named guid(scope, principal, role): one name per grant, the same on every deployment', () => {
    const all = grants(deployed());
    for (const grant of all) {
      const name = grant.assignment.name.split('/').pop()!;
      expect(name, `${grant.assignment.deployment} ${grant.assignment.symbolicName}`).toBe(
        guid(grant.scope, grant.principalId, grant.role),
      );
    }
    expect(new Set(all.map((g) => g.assignment.id.toLowerCase())).size).toBe(all.length);
  });

  it("give each region's identity its own region's host storage, queues and telemetry, and every identity the shared state and every region's storage", () => {
    const deployment = deployed('westeurope', 'northeurope', { env: { PROTECTED_REGIONS: 'eastus:westus' } });
    const all = grants(deployment);
    const holders = (resource: ArmResource) =>
      [...new Set(all.filter((g) => sameId(g.scope, resource.id)).map((g) => g.principalId))].sort();
    const regional = [
      SettingNames.hostStorage,
      SettingNames.serviceBusConnection,
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    ];
    const shared = new Map<string, ArmResource>();
    for (const { app, settings, identity } of apps(deployment)) {
      for (const access of requiredAccess) {
        for (const resource of access.reaches(deployment, settings, identity.clientId)) {
          if (regional.includes(access.connection)) {
            expect(holders(resource), `${app.name}: ${resource.name}`).toEqual([identity.principalId]);
          } else shared.set(resource.id, resource);
        }
      }
    }
    // The Cosmos DB account, and the storage of the control-plane, protected and backup regions.
    expect([...shared.values()].map((r) => `${r.type} ${r.location}`).sort()).toEqual([
      'Microsoft.DocumentDB/databaseAccounts westeurope',
      'Microsoft.Storage/storageAccounts eastus',
      'Microsoft.Storage/storageAccounts northeurope',
      'Microsoft.Storage/storageAccounts westeurope',
      'Microsoft.Storage/storageAccounts westus',
    ]);
    const identities = apps(deployment).map(({ identity }) => identity.principalId);
    for (const resource of shared.values())
      expect(holders(resource), resource.name).toEqual([...identities].sort());
    // But the portal's accounts, which the deployer publishes to (below).
    const portal = portalAccounts(deployment);
    for (const grant of all.filter((g) => g.principalType !== undefined)) {
      if (portal.some((account) => sameId(account.id, grant.scope))) continue;
      expect(grant.principalType).toBe('ServicePrincipal');
    }
  });

  it('give the deployer, and nobody else, Storage Blob Data Contributor on each admin portal account, to publish it', () => {
    for (const principalType of ['User', 'ServicePrincipal']) {
      const deployment = deployed('westeurope', 'northeurope', {
        env: principalType === 'User' ? {} : { AZURE_PRINCIPAL_TYPE: principalType },
      });
      const portal = portalAccounts(deployment);
      expect(portal.map((account) => account.location)).toEqual(['westeurope', 'northeurope']);
      const all = grants(deployment);
      for (const account of portal) {
        const on = all.filter((g) => sameId(g.scope, account.id));
        expect(on.map((g) => [g.principalId, g.principalType, roleNames[g.role]])).toEqual([
          [standInDeployerId, principalType, 'Storage Blob Data Contributor'],
        ]);
      }
      // Tenants' data stays out of its reach: no portal account is one the app reads or writes.
      for (const { settings } of apps(deployment)) {
        for (const account of regionStorageOf(deployment, settings).values()) {
          expect(portal.map((p) => p.id)).not.toContain(account.id);
        }
      }
    }
    const nobody = deployed('westeurope', 'northeurope', { env: { AZURE_PRINCIPAL_ID: '' } });
    const portal = portalAccounts(nobody);
    expect(grants(nobody).filter((g) => portal.some((account) => sameId(account.id, g.scope)))).toEqual([]);
  });

  it('reach the deploying user’s data only when grantDeployerDataAccess asks for it, and then with the app’s data roles', () => {
    const template = compiledTemplate();
    expect(template.parameters?.['grantDeployerDataAccess']).toMatchObject({
      type: 'bool',
      defaultValue: false,
    });
    /** The grants on anything but the admin portal's files, which the deployer always publishes. */
    const onData = (deployment: Deployment) => {
      const portal = portalAccounts(deployment);
      return grants(deployment).filter((g) => !portal.some((account) => sameId(account.id, g.scope)));
    };
    expect(onData(deployed()).filter((g) => g.principalId === standInDeployerId)).toEqual([]);
    expect(
      grants(
        deployed('westeurope', 'northeurope', {
          env: { AZURE_PRINCIPAL_ID: '' },
          parameters: { grantDeployerDataAccess: true },
        }),
      ).filter((g) => g.principalId === ''),
      'no principal, no grant',
    ).toEqual([]);

    for (const principalType of ['User', 'ServicePrincipal']) {
      const deployment = deployed('westeurope', 'northeurope', {
        env: principalType === 'User' ? {} : { AZURE_PRINCIPAL_TYPE: principalType },
        parameters: { grantDeployerDataAccess: true },
      });
      const all = onData(deployment);
      const identities = new Set(apps(deployment).map(({ identity }) => identity.principalId));
      const access = (who: (g: Grant) => boolean) =>
        [...new Set(all.filter(who).map((g) => `${g.scope.toLowerCase()} ${g.role}`))].sort();
      const deployer = all.filter((g) => g.principalId === standInDeployerId);
      expect(access((g) => g.principalId === standInDeployerId)).toEqual(
        access((g) => identities.has(g.principalId)),
      );
      for (const grant of deployer.filter((g) => g.principalType !== undefined)) {
        expect(grant.principalType).toBe(principalType);
      }
      expect(all.every((g) => identities.has(g.principalId) || g.principalId === standInDeployerId)).toBe(
        true,
      );
    }
  });
});

describeCompiled('keys', () => {
  it('are turned off on every service that has them', () => {
    const deployment = deployed();
    const switches: [string, string, unknown][] = [
      ['Microsoft.Storage/storageAccounts', 'allowSharedKeyAccess', false],
      ['Microsoft.ServiceBus/namespaces', 'disableLocalAuth', true],
      ['Microsoft.Insights/components', 'DisableLocalAuth', true],
      ['Microsoft.DocumentDB/databaseAccounts', 'disableLocalAuth', true],
      ['Microsoft.OperationalInsights/workspaces', 'features.disableLocalAuth', true],
    ];
    for (const [type, path, value] of switches) {
      const resources = ofType(deployment, type);
      expect(resources.length, type).toBeGreaterThan(0);
      for (const resource of resources) {
        const actual = path
          .split('.')
          .reduce<unknown>((v, key) => (v as Record<string, unknown>)?.[key], resource.properties);
        expect(actual, `${resource.name} ${path}`).toBe(value);
      }
    }
  });

  it('are never read or passed', () => {
    expect(JSON.stringify(compiledTemplate())).not.toMatch(
      /\blist[A-Z]\w*\(|primaryKey|AccountKey=|SharedAccessKey/,
    );
  });
});

describe('the Bicep text', () => {
  // Comments are not compiled: only the text shows which role each id is meant to be.
  it.each([controlPlane, regionStorage, portalSite])(
    'names each built-in role beside its id ($path)',
    (file) => {
      const lines = file.text.split('\n').filter((line) => /'[0-9a-f-]{36}'/.test(line));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const [, id, name] = /'([0-9a-f-]{36})'\s*\/\/\s*(.+?)\s*$/.exec(line) ?? [];
        expect(name, `no role name beside: ${line.trim()}`).toBeDefined();
        expect(builtInRoles[name!], `${name} is not the built-in role ${id}`).toBe(id);
      }
    },
  );
});
