// The custom roles the control plane holds for managed disks: one on a tenant's disk scopes and
// backup resource groups, one on the subscriptions holding them, together exactly the ARM actions
// the managed-disk protection path calls, so Azure RBAC enforces each tenant's isolation underneath
// the app's own scope check. The template only defines them: a tenant's scopes are known once a
// platform admin sets them, so the roles are assigned then (docs/deploy.md, "Managed disks in
// customer tenants"). A customer in another Entra tenant deploys this same file into its own
// subscription (`az deployment sub create`) and assigns the roles to the multi-tenant app's service
// principal there.
targetScope = 'subscription'

@minLength(1)
@description('Names the roles: a role name is unique in a directory, so each environment (or customer) has its own.')
param environmentName string

@description('More subscriptions of this directory where the roles may be assigned: those holding tenants\' disks or backup resource groups. This subscription always may.')
param additionalSubscriptionIds string[] = []

// Every action, with the description Azure gives it, is from "Azure permissions for Compute"
// (https://learn.microsoft.com/azure/role-based-access-control/permissions/compute) and, for the
// resource group, "Azure permissions for Management and governance"
// (https://learn.microsoft.com/azure/role-based-access-control/permissions/management-and-governance).
// test/infra/managedDiskRole.test.ts holds the role to exactly this list.
var actions = [
  // Registration: the OS disk exists, where, and what recovery needs (size, security type, Hyper-V
  // generation, encryption) while the primary region is still readable.
  'Microsoft.Compute/disks/read' // "Get the properties of a Disk"
  // Registration: the VM the OS disk serves, for its size, zone and disk controller type.
  'Microsoft.Compute/virtualMachines/read' // "Get the properties of a virtual machine"
  // The incremental snapshot in the primary region and its CopyStart copy in the backup resource
  // group: their provisioningState and completionPercent, and reconciliation by tag.
  'Microsoft.Compute/snapshots/read' // "Get the properties of a Snapshot"
  // Creating both (createOption Copy, then CopyStart) with their deterministic names and tags.
  'Microsoft.Compute/snapshots/write' // "Create a new Snapshot or update an existing one"
  // Retention, failed or stuck copies, re-seeding.
  'Microsoft.Compute/snapshots/delete' // "Delete a Snapshot"
  // Sampled content verification: a short-lived read-only SAS of the source and of the copy...
  'Microsoft.Compute/snapshots/beginGetAccess/action' // "Get the SAS URI of the Snapshot for blob access"
  // ...revoked as soon as the sample is read.
  'Microsoft.Compute/snapshots/endGetAccess/action' // "Revoke the SAS URI of the Snapshot"
  // A scope or backup resource group exists and is in the region it is named for.
  'Microsoft.Resources/subscriptions/resourceGroups/read' // "Gets or lists resource groups."
]
// Not here, on purpose:
// - Recovering onto virtual machines (the next issue) will need a disk from a snapshot
//   (disks/write), the VM itself (virtualMachines/write, /delete) and its network interface
//   (Microsoft.Network); add each with that issue and its reason, never a wildcard.
// - A customer-managed key's disk encryption set (diskEncryptionSets/read) and delete locks on
//   target snapshots (Microsoft.Authorization/locks/write): to be decided with those features.

// A snapshot's PUT and DELETE, and a SAS's grant and revoke, are long-running: the client follows
// their Azure-AsyncOperation URL, /subscriptions/{id}/providers/Microsoft.Compute/locations/{region}/
// DiskOperations/{id}, and a granted SAS arrives only there. That URL names the subscription, not a
// resource group, so an assignment on a tenant's resource group does not reach it: this one action
// is a role of its own, assigned on each subscription that holds a tenant's scope or backup resource
// group. It reads the status of an operation whose id only its caller was given; it changes nothing.
// AKS lists the same action among those its cluster identity needs to manage disks
// (https://learn.microsoft.com/azure/aks/concepts-identity, "AKS cluster identity permissions").
var operationStatusActions = [
  // Following a snapshot's PUT and DELETE and a SAS's grant and revoke to their end.
  'Microsoft.Compute/locations/diskOperations/read' // "Gets the status of an asynchronous Disk operation"
]

var assignableScopes = union([subscription().id], map(additionalSubscriptionIds, id => '/subscriptions/${id}'))

resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'managed-disk-protection')
  properties: {
    roleName: 'Cloud PC DR managed-disk protection (${environmentName})'
    description: 'Snapshots a tenant\'s managed OS disks, copies them across regions with CopyStart, verifies and prunes them. Assigned on a tenant\'s disk scopes and backup resource groups only.'
    type: 'CustomRole'
    permissions: [
      {
        actions: actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

resource operationStatusRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'managed-disk-operation-status')
  properties: {
    roleName: 'Cloud PC DR disk operation status (${environmentName})'
    description: 'Reads the status of the asynchronous disk operations the control plane started (snapshots, SAS grants). Assigned on the subscriptions holding a tenant\'s disk scopes or backup resource groups.'
    type: 'CustomRole'
    permissions: [
      {
        actions: operationStatusActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

output id string = role.id
output operationStatusId string = operationStatusRole.id
