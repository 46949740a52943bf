/**
 * The custom roles the control plane holds for managed disks hold exactly the ARM actions the
 * managed-disk path calls: on a tenant's scopes, reads of disks, VMs and resource groups and the
 * snapshot actions; on the subscriptions holding them, the status of its own disk operations. No
 * wildcard, no write, delete or action on anything but compute snapshots, no data action,
 * assignable only in this deployment's subscriptions, each action with its reason beside it in the
 * Bicep. Read from the compiled template, expanded as Azure would, and from the module's source.
 */
import { describe, expect, it } from 'vitest';
import type { ArmResource, Deployment } from './armTemplate';
import { BicepFile, asArray, literal } from './bicepFile';
import { deployed, describeCompiled, grants, ofType, theOne } from './deployed';
import { standInSubscriptionId } from './standIns';

/**
 * What the managed-disk path calls on a tenant's scopes (issue 28): the disk and its VM at
 * registration, the incremental snapshot and its CopyStart copy, a short-lived SAS for sampled
 * verification, and the resource groups. Spelled as "Azure permissions for Compute" spells them
 * (https://learn.microsoft.com/azure/role-based-access-control/permissions/compute).
 */
const managedDiskActions = [
  'Microsoft.Compute/disks/read',
  'Microsoft.Compute/virtualMachines/read',
  'Microsoft.Compute/snapshots/read',
  'Microsoft.Compute/snapshots/write',
  'Microsoft.Compute/snapshots/delete',
  'Microsoft.Compute/snapshots/beginGetAccess/action',
  'Microsoft.Compute/snapshots/endGetAccess/action',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
];

/** Following those operations to their end: their status URL names the subscription, not a group. */
const operationStatusActions = ['Microsoft.Compute/locations/diskOperations/read'];

const roleType = 'Microsoft.Authorization/roleDefinitions';

const roles = [
  { what: 'managed-disk protection', actions: managedDiskActions, output: 'MANAGED_DISK_ROLE_ID' },
  {
    what: 'disk operation status',
    actions: operationStatusActions,
    output: 'MANAGED_DISK_OPERATIONS_ROLE_ID',
  },
];

function roleOf(deployment: Deployment, what: string): ArmResource {
  return theOne(
    deployment,
    roleType,
    (r) => (r.properties['roleName'] as string).startsWith(`Cloud PC DR ${what} (`),
    what,
  );
}

function permissionsOf(role: ArmResource) {
  const permissions = role.properties['permissions'] as {
    actions: string[];
    notActions: string[];
    dataActions: string[];
    notDataActions: string[];
  }[];
  expect(permissions).toHaveLength(1);
  return permissions[0]!;
}

describeCompiled('the managed-disk roles', () => {
  it('are these two custom roles and no other', () => {
    const deployment = deployed();
    expect(ofType(deployment, roleType)).toHaveLength(roles.length);
    for (const { what } of roles) expect(roleOf(deployment, what).properties['type']).toBe('CustomRole');
  });

  it.each(roles)(
    '$what holds exactly the actions the managed-disk path needs, and no data action',
    (role) => {
      const { actions, notActions, dataActions, notDataActions } = permissionsOf(
        roleOf(deployed(), role.what),
      );
      expect([...actions].sort()).toEqual([...role.actions].sort());
      expect(new Set(actions).size).toBe(actions.length);
      expect(notActions).toEqual([]);
      expect(dataActions).toEqual([]);
      expect(notDataActions).toEqual([]);
    },
  );

  it('have no wildcard, and change nothing but compute snapshots', () => {
    const deployment = deployed();
    for (const { what } of roles) {
      for (const action of permissionsOf(roleOf(deployment, what)).actions) {
        expect(action, action).not.toContain('*');
        if (!action.endsWith('/read')) expect(action, action).toMatch(/^Microsoft\.Compute\/snapshots\//);
      }
    }
  });

  it('are assignable in this subscription and the others named, nowhere above them', () => {
    const more = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
    const withMore = deployed('westeurope', 'northeurope', {
      parameters: { managedDiskSubscriptionIds: more },
    });
    for (const { what } of roles) {
      expect(roleOf(deployed(), what).properties['assignableScopes']).toEqual([
        `/subscriptions/${standInSubscriptionId}`,
      ]);
      const scopes = roleOf(withMore, what).properties['assignableScopes'] as string[];
      expect([...scopes].sort()).toEqual(
        [standInSubscriptionId, ...more].map((id) => `/subscriptions/${id}`).sort(),
      );
    }
  });

  it('are named per environment, since a role name is unique in a directory, and handed to azd', () => {
    const first = deployed();
    const other = deployed('westeurope', 'northeurope', { env: { AZURE_ENV_NAME: 'dr-other' } });
    for (const { what, output } of roles) {
      expect(roleOf(first, what).properties['roleName']).toBe(`Cloud PC DR ${what} (dr-test)`);
      expect(roleOf(other, what).properties['roleName']).toBe(`Cloud PC DR ${what} (dr-other)`);
      expect(roleOf(other, what).name).not.toBe(roleOf(first, what).name);
      expect(first.outputs[output]).toBe(roleOf(first, what).id);
    }
  });

  it('are assigned nowhere by the template: a tenant scope exists only once a platform admin sets it', () => {
    const deployment = deployed();
    const names = new Set(roles.map(({ what }) => roleOf(deployment, what).name));
    expect(grants(deployment).filter((grant) => names.has(grant.role))).toEqual([]);
  });
});

describe('managedDiskRole.bicep', () => {
  it.each([
    ['actions', managedDiskActions],
    ['operationStatusActions', operationStatusActions],
  ])(
    'gives every one of %s its reason and Azure’s description beside it, and lists no other',
    (name, actions) => {
      const file = BicepFile.read('modules/managedDiskRole.bicep');
      expect(asArray(file.variable(name), name).map((a) => literal(a))).toEqual(actions);
      const lines = file.text.split('\n');
      for (const action of actions) {
        const at = lines.findIndex((l) => l.trim().startsWith(`'${action}'`));
        // Azure's description on the line, the reason in the comment lines above it.
        expect(lines[at], action).toMatch(/'\s*\/\/\s*"[^"]+"/);
        expect(lines[at - 1]?.trim(), `the reason for ${action}`).toMatch(/^\/\/ \S/);
      }
    },
  );
});
