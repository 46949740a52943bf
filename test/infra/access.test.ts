/**
 * No keys anywhere, and every identity-based connection backed by exactly the roles it needs, on
 * the resource it reaches, for every control-plane identity and the deploying user.
 */
import { describe, expect, it } from 'vitest';
import { SettingNames } from '../../src/settingNames';
import {
  asObject,
  at,
  callArguments,
  expression,
  literal,
  type BicepFile,
  type Declaration,
} from './bicepFile';
import { allFiles, appSettings, controlPlane, cosmos, gather, main, regionStorage } from './deployment';

/** Azure's built-in roles by name (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
const builtInRoles: Record<string, string> = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39',
  'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
  // Cosmos DB's own data-plane role, assigned on the account.
  'Cosmos DB Built-in Data Contributor': '00000000-0000-0000-0000-000000000002',
};
const roleNames = Object.fromEntries(Object.entries(builtInRoles).map(([name, id]) => [id, name]));

interface Grant {
  file: string;
  /** The resource symbol it is scoped to. */
  scope: string;
  role: string;
  /** The loop variable's source: who gets it. */
  principals: string;
}

/** `roles.x` or a variable → the role id it names. */
function roleId(file: BicepFile, reference: string): string {
  const [variable, key] = reference.split('.');
  const value = key ? at(file.variable(variable!), key) : file.variable(variable!);
  const id = literal(value);
  if (!id) throw new Error(`${file.path}: ${reference} is not a role id`);
  return id;
}

/**
 * The grants a file makes, after checking each is named guid(scope, principal, role) with the same
 * scope, principal and role it assigns.
 */
function grants(file: BicepFile): Grant[] {
  const assignments: Declaration[] = [
    ...file.resources('Microsoft.Authorization/roleAssignments'),
    ...file.resources('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments'),
  ];
  return assignments.map((assignment) => {
    const body = asObject(assignment.value, assignment.name);
    const properties = asObject(body['properties'], `${assignment.name}.properties`);
    const item = assignment.loop?.item;
    expect(item, `${file.path} ${assignment.name} should loop over its principals`).toBeDefined();
    const [scopeArg, principalArg, roleArg] = callArguments(body['name'] as string, 'guid') ?? [];
    expect(principalArg, `${assignment.name}: name is guid(scope, principal, role)`).toBe(`${item}.id`);
    expect(properties['principalId']).toBe(`${item}.id`);
    let scope: string;
    if (assignment.type === 'Microsoft.Authorization/roleAssignments') {
      scope = body['scope'] as string;
      expect(properties['roleDefinitionId']).toBe(
        `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ${roleArg})`,
      );
      expect(properties['principalType']).toBe(`${item}.type`);
    } else {
      scope = body['parent'] as string;
      expect(properties['scope']).toBe(`${scope}.id`);
      expect(properties['roleDefinitionId']).toBe(`'\${${scope}.id}/sqlRoleDefinitions/\${${roleArg}}'`);
    }
    expect(scopeArg, `${assignment.name}: name is guid(scope, principal, role)`).toBe(`${scope}.id`);
    return { file: file.path, scope, role: roleId(file, roleArg!), principals: assignment.loop!.source };
  });
}

/** Every grant of the deployment, checked as it is read. */
function allGrants(): Grant[] {
  return allFiles.flatMap(grants);
}

/** Who reaches what with the identity: the connection, the resource behind it, the roles it needs. */
const requiredAccess = [
  {
    connection: SettingNames.hostStorage,
    file: controlPlane,
    resource: 'hostStorage',
    roles: ['Storage Blob Data Owner', 'Storage Queue Data Contributor', 'Storage Table Data Contributor'],
  },
  {
    connection: SettingNames.serviceBusConnection,
    file: controlPlane,
    resource: 'serviceBus',
    roles: ['Azure Service Bus Data Sender', 'Azure Service Bus Data Receiver'],
  },
  {
    connection: SettingNames.cosmosConnection,
    file: cosmos,
    resource: 'account',
    roles: ['Cosmos DB Built-in Data Contributor'],
  },
  {
    connection: SettingNames.regionStorage,
    file: regionStorage,
    resource: 'account',
    // Blobs (disks, restore points), and the audit table of the control-plane regions.
    roles: ['Storage Blob Data Contributor', 'Storage Table Data Contributor'],
  },
  {
    connection: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    file: controlPlane,
    resource: 'appInsights',
    roles: ['Monitoring Metrics Publisher'],
  },
];

describe('identity-based connections', () => {
  it('are all known: every setting that connects with the identity has its required access listed', () => {
    const identityConnections = new Set([
      ...Object.keys(appSettings)
        .filter((name) => name.endsWith('__credential'))
        .map((name) => name.split('__')[0]!),
      // Blob service URIs, reached with DefaultAzureCredential (AZURE_CLIENT_ID).
      SettingNames.regionStorage,
      ...Object.keys(appSettings).filter((name) =>
        expression(appSettings[name], name).includes('Authorization=AAD'),
      ),
    ]);
    expect([...identityConnections].sort()).toEqual(requiredAccess.map((a) => a.connection).sort());
  });

  it.each(requiredAccess.map((access) => [access.connection, access]))(
    '%s has exactly its roles on the resource it reaches',
    (_connection, access) => {
      const granted = allGrants()
        .filter((g) => g.file === access.file.path && g.scope === access.resource)
        .map((g) => roleNames[g.role] ?? g.role);
      expect(granted.sort()).toEqual([...access.roles].sort());
    },
  );

  it('point at the resources the roles are granted on', () => {
    expect(appSettings['AzureWebJobsStorage__blobServiceUri']).toMatch(
      /^hostStorage\.properties\.primaryEndpoints\./,
    );
    expect(appSettings['ServiceBusConnection__fullyQualifiedNamespace']).toMatch(/\$\{serviceBus\.name\}/);
    expect(appSettings['APPLICATIONINSIGHTS_CONNECTION_STRING']).toMatch(/^appInsights\./);
    // Cosmos DB and the region storage come from their modules' outputs, through main.bicep.
    expect(appSettings['CosmosConnection__accountEndpoint']).toBe('cosmosEndpoint');
    const controlPlaneParams = asObject(
      at(main.module('controlPlane').value, 'params'),
      'controlPlane params',
    );
    expect(controlPlaneParams['cosmosEndpoint']).toBe('cosmos.outputs.endpoint');
    expect(cosmos.outputs().find((o) => o.name === 'endpoint')?.value).toBe(
      'account.properties.documentEndpoint',
    );
    expect(appSettings['REGION_STORAGE']).toBe('regionStorage');
    expect(controlPlaneParams['regionStorage']).toBe('regionStorageSetting');
    // Each region storage module's own outputs, gathered into one object by region.
    expect(main.variable('regionStorageSetting')).toBe('regionStorageEndpoints.outputs.regionStorage');
    expect(main.module('regionStorageEndpoints').type).toBe('modules/gather.bicep');
    expect(at(main.module('regionStorageEndpoints').value, 'params.regionBlobEndpoints')).toBe(
      'toObject(regionStorage, storage => storage.outputs.region, storage => storage.outputs.blobEndpoint)',
    );
    expect(gather.outputs().find((o) => o.name === 'regionStorage')?.value).toBe(
      'string(regionBlobEndpoints)',
    );
    expect(regionStorage.outputs().find((o) => o.name === 'region')?.value).toBe('location');
    expect(regionStorage.outputs().find((o) => o.name === 'blobEndpoint')?.value).toBe(
      'account.properties.primaryEndpoints.blob',
    );
  });
});

describe('role assignments', () => {
  it('are named guid(scope, principal, role) after what they assign', () => {
    expect(allGrants().length).toBeGreaterThan(0);
  });

  it('are granted to every control-plane identity, and to the deploying user only as userPrincipals', () => {
    for (const grant of allGrants()) expect(grant.principals, grant.file).toBe('principals');
    // The identities of every control-plane region, then userPrincipals, put together by gather.bicep.
    expect(main.variable('identityPrincipals')).toBe('principals.outputs.identityPrincipals');
    expect(main.variable('dataPrincipals')).toBe('principals.outputs.dataPrincipals');
    expect(main.module('principals').type).toBe('modules/gather.bicep');
    expect(at(main.module('principals').value, 'params')).toEqual({
      identityPrincipalIds: 'map(identities, identity => identity.outputs.principalId)',
      userPrincipals: 'userPrincipals',
    });
    expect(main.module('identities').loop?.source).toBe('controlPlaneRegions');
    expect(gather.variable('identityPrincipals')).toMatch(/^map\(identityPrincipalIds, id => \{/);
    expect(gather.outputs().find((o) => o.name === 'dataPrincipals')?.value).toBe(
      'concat(identityPrincipals, userPrincipals)',
    );
    for (const shared of ['cosmos', 'regionStorage']) {
      expect(at(main.module(shared).value, 'params.principals'), shared).toBe('dataPrincipals');
    }
    // A region's own host storage, queues and telemetry: its identity and userPrincipals.
    expect(at(main.module('controlPlane').value, 'params.principals')).toBe(
      'concat([identityPrincipals[i]], userPrincipals)',
    );
  });

  it('reach the deploying user only when grantDeployerDataAccess asks for it', () => {
    const grant = main.param('grantDeployerDataAccess');
    expect(grant?.type).toBe('bool');
    expect(grant?.value, 'off unless asked for').toBe('false');
    // userPrincipals is empty unless the flag is set (and there is a principal at all)…
    expect(expression(main.variable('userPrincipals'), 'userPrincipals')).toMatch(
      /^!grantDeployerDataAccess \|\| empty\(principalId\) \? \[\] :/,
    );
    // …and the deploying user reaches no grant but through it: principalId and principalType are
    // named nowhere else, and userPrincipals only where the grants above take their principals.
    const uses = (name: string) =>
      main.declarations.filter(
        (d) => d.keyword !== 'param' && new RegExp(`(?<![.\\w])${name}\\b`).test(JSON.stringify(d.value)),
      );
    for (const name of ['principalId', 'principalType']) {
      expect(
        uses(name).map((d) => d.name),
        name,
      ).toEqual(['userPrincipals']);
    }
    expect(
      uses('userPrincipals')
        .map((d) => d.name)
        .sort(),
    ).toEqual(['controlPlane', 'principals']);
  });

  it.each([controlPlane, regionStorage])('name each built-in role beside its id ($path)', (file) => {
    const lines = file.text.split('\n').filter((line) => /'[0-9a-f-]{36}'/.test(line));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const [, id, name] = /'([0-9a-f-]{36})'\s*\/\/\s*(.+?)\s*$/.exec(line) ?? [];
      expect(name, `no role name beside: ${line.trim()}`).toBeDefined();
      expect(builtInRoles[name!], `${name} is not the built-in role ${id}`).toBe(id);
    }
  });

  it("use Cosmos DB's built-in data contributor, which cannot manage the account", () => {
    expect(literal(cosmos.variable('cosmosDataContributor'))).toBe(
      builtInRoles['Cosmos DB Built-in Data Contributor'],
    );
  });
});

describe('keys', () => {
  it('are turned off on every service that has them', () => {
    const switches: [BicepFile, string, string, string][] = [
      [controlPlane, 'hostStorage', 'properties.allowSharedKeyAccess', 'false'],
      [regionStorage, 'account', 'properties.allowSharedKeyAccess', 'false'],
      [controlPlane, 'serviceBus', 'properties.disableLocalAuth', 'true'],
      [controlPlane, 'appInsights', 'properties.DisableLocalAuth', 'true'],
      [cosmos, 'account', 'properties.disableLocalAuth', 'true'],
      [
        allFiles.find((f) => f.path.endsWith('logAnalytics.bicep'))!,
        'workspace',
        'properties.features.disableLocalAuth',
        'true',
      ],
    ];
    for (const [file, resource, path, value] of switches) {
      expect(at(file.resource(resource).value, path), `${file.path} ${resource} ${path}`).toBe(value);
    }
    const storageAccounts = allFiles.flatMap((f) => f.resources('Microsoft.Storage/storageAccounts'));
    expect(storageAccounts).toHaveLength(2);
  });

  it('are never read or passed', () => {
    for (const file of allFiles) {
      expect(file.text, file.path).not.toMatch(
        /list(Keys|ConnectionStrings|AccountSas|ServiceSas)\(|primaryKey|AccountKey=|SharedAccessKey/,
      );
    }
  });
});
