/**
 * The custom roles the control plane holds in its tenants' subscriptions hold exactly the ARM
 * actions its code calls, one role per kind of scope it is assigned on: on a tenant's disk scopes,
 * reads and the snapshot actions (nothing that changes a disk, a VM or a host pool, since the
 * tenant's real desktops are there); on the backup resource groups, the temporary devices' disks,
 * NICs, VMs and run commands; on a subnet, joining it; on a capacity reservation group, deploying
 * into it; on a DR host pool and its application group, the registration token, its session hosts
 * and reading role assignments; on the subscriptions, operation status and VM sizes. No wildcard, no
 * data action, nothing in Microsoft.Authorization but reading role assignments, assignable only in
 * this deployment's subscriptions, each action with its reason beside it in the Bicep. Read from the
 * compiled template, expanded as Azure would, and from the module's source.
 */
import { describe, expect, it } from 'vitest';
import type { ArmResource, Deployment } from './armTemplate';
import { BicepFile, asArray, literal } from './bicepFile';
import { deployed, describeCompiled, grants, ofType, theOne } from './deployed';
import { standInSubscriptionId } from './standIns';

/**
 * What the managed-disk path calls on a tenant's scopes (issue 28): the disk and its VM at
 * registration, the incremental snapshot and its CopyStart copy, a short-lived SAS for sampled
 * verification, the resource groups, and the read of a disk encryption set that a copy of a
 * customer-managed-key disk (and a recovered disk made from it) names; and what discovery reads of
 * a primary host pool (issue 29). Spelled as "Azure permissions for Compute" spells them
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
  'Microsoft.Compute/diskEncryptionSets/read',
  'Microsoft.DesktopVirtualization/hostpools/read',
  'Microsoft.DesktopVirtualization/hostpools/sessionhosts/read',
];

/** The Azure compute provider's temporary devices, in the backup resource groups (issue 29). */
const recoveryActions = [
  'Microsoft.Compute/disks/write',
  'Microsoft.Compute/disks/delete',
  'Microsoft.Compute/virtualMachines/write',
  'Microsoft.Compute/virtualMachines/delete',
  'Microsoft.Compute/virtualMachines/instanceView/read',
  'Microsoft.Compute/virtualMachines/runCommands/read',
  'Microsoft.Compute/virtualMachines/runCommands/write',
  'Microsoft.Compute/virtualMachines/runCommands/delete',
  'Microsoft.Network/networkInterfaces/read',
  'Microsoft.Network/networkInterfaces/write',
  'Microsoft.Network/networkInterfaces/delete',
  'Microsoft.Network/networkInterfaces/join/action',
];

/** A device's NIC joins the subnet its policy names. */
const subnetJoinActions = ['Microsoft.Network/virtualNetworks/subnets/join/action'];

/** A recovered VM draws on the capacity reservation group its policy names. */
const capacityReservationActions = ['Microsoft.Compute/capacityReservationGroups/deploy/action'];

/** The DR host pool: its token (renewed by a PATCH), its session hosts, the application group's assignments. */
const hostPoolActions = [
  'Microsoft.DesktopVirtualization/hostpools/write',
  'Microsoft.DesktopVirtualization/hostpools/retrieveRegistrationToken/action',
  'Microsoft.DesktopVirtualization/hostpools/sessionhosts/read',
  'Microsoft.DesktopVirtualization/hostpools/sessionhosts/write',
  'Microsoft.DesktopVirtualization/hostpools/sessionhosts/delete',
  'Microsoft.Authorization/roleAssignments/read',
];

/** Read at subscription scope: disk operations' status URLs and the resource SKUs list. */
const operationStatusActions = [
  'Microsoft.Compute/locations/diskOperations/read',
  'Microsoft.Compute/skus/read',
];

const roleType = 'Microsoft.Authorization/roleDefinitions';

const roles = [
  {
    what: 'managed-disk protection',
    variable: 'actions',
    actions: managedDiskActions,
    output: 'MANAGED_DISK_ROLE_ID',
  },
  {
    what: 'recovery devices',
    variable: 'recoveryActions',
    actions: recoveryActions,
    output: 'RECOVERY_DEVICES_ROLE_ID',
  },
  {
    what: 'subnet join',
    variable: 'subnetJoinActions',
    actions: subnetJoinActions,
    output: 'RECOVERY_SUBNET_JOIN_ROLE_ID',
  },
  {
    what: 'capacity reservation use',
    variable: 'capacityReservationActions',
    actions: capacityReservationActions,
    output: 'RECOVERY_CAPACITY_RESERVATION_ROLE_ID',
  },
  {
    what: 'host pool registration',
    variable: 'hostPoolActions',
    actions: hostPoolActions,
    output: 'DR_HOST_POOL_ROLE_ID',
  },
  {
    what: 'subscription reads',
    variable: 'operationStatusActions',
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
  it('are these six custom roles and no other', () => {
    const deployment = deployed();
    expect(ofType(deployment, roleType)).toHaveLength(roles.length);
    for (const { what } of roles) expect(roleOf(deployment, what).properties['type']).toBe('CustomRole');
  });

  it.each(roles)('$what holds exactly the actions its code calls, and no data action', (role) => {
    const { actions, notActions, dataActions, notDataActions } = permissionsOf(roleOf(deployed(), role.what));
    expect([...actions].sort()).toEqual([...role.actions].sort());
    expect(new Set(actions).size).toBe(actions.length);
    expect(notActions).toEqual([]);
    expect(dataActions).toEqual([]);
    expect(notDataActions).toEqual([]);
  });

  it('have no wildcard, and grant no access: Microsoft.Authorization is only read', () => {
    const deployment = deployed();
    for (const { what } of roles) {
      for (const action of permissionsOf(roleOf(deployment, what)).actions) {
        expect(action, action).not.toContain('*');
        if (action.startsWith('Microsoft.Authorization/'))
          expect(action, action).toBe('Microsoft.Authorization/roleAssignments/read');
      }
    }
  });

  it("change nothing but snapshots where the tenant's own desktops are (its disk scopes)", () => {
    for (const action of permissionsOf(roleOf(deployed(), 'managed-disk protection')).actions) {
      if (!action.endsWith('/read')) expect(action, action).toMatch(/^Microsoft\.Compute\/snapshots\//);
    }
  });

  it('give the roles on shared network, capacity and subscriptions no write or delete at all', () => {
    const deployment = deployed();
    for (const what of ['subnet join', 'capacity reservation use', 'subscription reads']) {
      for (const action of permissionsOf(roleOf(deployment, what)).actions)
        expect(action, `${what}: ${action}`).toMatch(/\/(read|join\/action|deploy\/action)$/);
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
  it.each(roles.map(({ variable, actions }) => [variable, actions] as const))(
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
