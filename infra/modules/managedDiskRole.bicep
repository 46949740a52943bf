// The custom roles the control plane holds in its tenants' subscriptions, together exactly the ARM
// actions the managed-disk protection path, the Azure compute provider and device discovery call,
// so Azure RBAC enforces each tenant's isolation underneath the app's own scope check. One role per
// kind of scope it is assigned on, so no assignment carries more than that scope needs:
// - `role`: a tenant's disk scopes and backup resource groups (read what is protected, snapshots);
// - `recoveryRole`: the backup resource groups only (the temporary devices: disks, NICs, VMs);
// - `subnetJoinRole`: the subnets (or their virtual networks) the recovery policies name;
// - `capacityReservationRole`: the capacity reservation groups the recovery policies name;
// - `hostPoolRole`: each DR host pool and its desktop application group;
// - `operationStatusRole`: the subscriptions holding disk scopes or backup groups (operation
//   status, VM sizes).
// The template only defines them: a tenant's scopes are known once a platform admin sets them, so
// the roles are assigned then (docs/deploy.md, "Managed disks in customer tenants", "Where each
// role is assigned"). A customer in another Entra tenant deploys this same file into its own
// subscription (`az deployment sub create`) and assigns the roles to the multi-tenant app's service
// principal there.
targetScope = 'subscription'

@minLength(1)
@description('Names the roles: a role name is unique in a directory, so each environment (or customer) has its own.')
param environmentName string

@description('More subscriptions of this directory where the roles may be assigned: those holding tenants\' disks, backup resource groups, subnets, capacity reservation groups or DR host pools. This subscription always may.')
param additionalSubscriptionIds string[] = []

// Every action, with the description Azure gives it, is from "Azure permissions for Compute"
// (https://learn.microsoft.com/azure/role-based-access-control/permissions/compute: Microsoft.Compute
// and Microsoft.DesktopVirtualization), "Azure permissions for Networking"
// (https://learn.microsoft.com/azure/role-based-access-control/permissions/networking) and "Azure
// permissions for Management and governance" (https://learn.microsoft.com/azure/
// role-based-access-control/permissions/management-and-governance: Microsoft.Resources and
// Microsoft.Authorization). test/infra/managedDiskRole.test.ts holds each role to exactly its list.
var actions = [
  // Registration: the OS disk exists, where, and what recovery needs (size, security type, Hyper-V
  // generation, encryption) while the primary region is still readable.
  'Microsoft.Compute/disks/read' // "Get the properties of a Disk"
  // Registration: the VM the OS disk serves, for its size, zone and disk controller type; discovery:
  // each session host's VM, for its region and OS disk (src/adapters/arm/ArmVirtualMachineReader.ts).
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
  // A customer-managed-key disk's CopyStart copy names the backup region's disk encryption set
  // (backupDiskEncryptionSets), and so does the disk a recovery makes from that copy: Azure checks
  // the caller may read a set a PUT names ("Required to read disk encryption set ID",
  // https://learn.microsoft.com/azure/aks/aks-service-permissions). Every set lies inside the
  // tenant's disk scopes (TenantService refuses one outside them), where this role is assigned, so
  // `recoveryActions`, assigned with it on the backup resource groups, needs no copy of it.
  'Microsoft.Compute/diskEncryptionSets/read' // "Get the properties of a disk encryption set"
  // Discovery (src/app/DeviceDiscovery.ts), on a primary host pool inside the tenant's disk scopes:
  // the pool exists and is a personal one...
  'Microsoft.DesktopVirtualization/hostpools/read' // "Read hostpools"
  // ...and its session hosts, each with its VM and assigned user, become devices.
  'Microsoft.DesktopVirtualization/hostpools/sessionhosts/read' // "Read hostpools/sessionhosts"
]
// Not here, on purpose: anything that changes a disk, a VM, a host pool or a disk encryption set.
// This role is assigned on the tenants' disk scopes, where their real desktops are; recovery's
// writes are `recoveryActions`, assigned on the backup resource groups alone. Delete locks on
// target snapshots (Microsoft.Authorization/locks/write) are not used (docs/deploy.md, "Protecting
// restore points").

// The temporary devices of a recovery (src/adapters/compute/azure/AzureComputeProvider.ts), in the
// backup resource group that holds the restore point's snapshot, together with `actions` (assigned
// on the same groups: the listings of disks and VMs and the source snapshot's read are there). Every
// PUT and DELETE is started and never awaited (`poller.submitted()`): the SDK does not follow their
// status URLs, the next check reads the group's listings instead, so no operation-status action is
// needed for them.
var recoveryActions = [
  // A disk copied from the restore point's snapshot (createOption Copy), in the zone the VM will use.
  'Microsoft.Compute/disks/write' // "Creates a new Disk or updates an existing one"
  // A disk of a zone left for another, a failed or stale one, a device's disk made before its VM.
  'Microsoft.Compute/disks/delete' // "Deletes the Disk"
  // The VM attaching the disk, PUT again with the next size after a capacity or SKU refusal.
  'Microsoft.Compute/virtualMachines/write' // "Creates a new virtual machine or updates an existing virtual machine"
  // Deactivation, the sweeper, a failed or late VM, a zone left: the VM, its disk and NIC with it.
  'Microsoft.Compute/virtualMachines/delete' // "Deletes the virtual machine"
  // A VM's guest agent and failure code when the group's listing did not carry its instance view.
  'Microsoft.Compute/virtualMachines/instanceView/read' // "Gets the detailed runtime status of the virtual machine and its resources"
  // The registration run command's execution state, exit code and error, at each check.
  'Microsoft.Compute/virtualMachines/runCommands/read' // "Get the properties of a virtual machine run command"
  // The managed run command that re-registers the guest with the DR host pool (its token protected).
  'Microsoft.Compute/virtualMachines/runCommands/write' // "Creates a new virtual machine run command or updates an existing one"
  // A failed run command, removed so that the next attempt runs it again with a fresh token.
  'Microsoft.Compute/virtualMachines/runCommands/delete' // "Deletes the virtual machine run command"
  // The temporary devices' NICs, listed with the group's disks and VMs at each check.
  'Microsoft.Network/networkInterfaces/read' // "Gets a network interface definition."
  // A device's NIC in the policy's subnet.
  'Microsoft.Network/networkInterfaces/write' // "Creates a network interface or updates an existing network interface."
  // A NIC made before its VM, or left after a failure (a VM's own goes with it, deleteOption Delete).
  'Microsoft.Network/networkInterfaces/delete' // "Deletes a network interface"
  // The VM's PUT names the NIC: Azure checks the caller may attach it.
  'Microsoft.Network/networkInterfaces/join/action' // "Joins a Virtual Machine to a network interface. Not Alertable."
]

// The NIC's PUT names the policy's subnet, usually in another resource group (a hub network team's):
// Azure checks the caller may join it. Assigned on each subnet a recovery policy names, or its
// virtual network; it grants nothing else on the network.
var subnetJoinActions = [
  // A device's NIC joins the subnet the recovery policy names.
  'Microsoft.Network/virtualNetworks/subnets/join/action' // "Joins a virtual network. Not Alertable."
]

// A VM whose policy names a capacity reservation group of its subscription draws on it
// (https://learn.microsoft.com/azure/virtual-machines/capacity-reservation-associate-vm): the VM's PUT
// names the group and Azure checks the caller may deploy into it. Assigned on each group a recovery
// policy names. Azure's permissions page lists no deploy action on the reservations inside a group
// (`capacityReservations/deploy/action` or `capacityReservationGroups/capacityReservations/deploy/
// action`, which some third-party pages name): left out until Azure documents one, since a custom
// role is refused an action its provider does not publish.
var capacityReservationActions = [
  // The recovered VM is placed on the reserved capacity of the group its policy names.
  'Microsoft.Compute/capacityReservationGroups/deploy/action' // "Deploy a new VM/VMSS using Capacity Reservation Group"
]

// The DR host pool a recovered desktop registers with (src/adapters/avd/ArmHostPools.ts,
// src/adapters/compute/azure/SessionHostRegistration.ts, GroupAssignmentCheck.ts). Assigned on
// each DR host pool and on its desktop application group (or the resource group holding both). The
// DR pool itself is never read (hostpools/read is discovery's, on the primary pool, in `actions`)
// and the application group is never read either: only the role assignments on it.
var hostPoolActions = [
  // Renewing the pool's registration token: a PATCH of registrationInfo (registrationTokenOperation
  // Update), only when the token is missing or near expiry. Azure has no narrower action for it.
  'Microsoft.DesktopVirtualization/hostpools/write' // "Write hostpools"
  // The token the guest's agent registers with (POST retrieveRegistrationToken).
  'Microsoft.DesktopVirtualization/hostpools/retrieveRegistrationToken/action' // "Retrieve registration token for host pool"
  // The pool's session hosts, listed to find the recovered VM's once its agent registered.
  'Microsoft.DesktopVirtualization/hostpools/sessionhosts/read' // "Read hostpools/sessionhosts"
  // Assigning the device's user to its session host (sessionHosts.update with assignedUser).
  'Microsoft.DesktopVirtualization/hostpools/sessionhosts/write' // "Write hostpools/sessionhosts"
  // Deactivation and the sweeper remove the recovered VM's session host record.
  'Microsoft.DesktopVirtualization/hostpools/sessionhosts/delete' // "Delete hostpools/sessionhosts"
  // The policy's user group holds Desktop Virtualization User on the application group: checked,
  // never made (role assignments at, above or below the application group, filtered to the group).
  'Microsoft.Authorization/roleAssignments/read' // "Get information about a role assignment."
]

// What is read at subscription scope, which an assignment on a resource group does not reach; it
// changes nothing. Assigned on each subscription that holds a tenant's disk scope or backup resource
// group (a DR host pool's subscription needs none: AVD's calls are not long-running).
// A snapshot's PUT and DELETE, and a SAS's grant and revoke, are long-running: the client follows
// their Azure-AsyncOperation URL, /subscriptions/{id}/providers/Microsoft.Compute/locations/{region}/
// DiskOperations/{id}, and a granted SAS arrives only there. It reads the status of an operation
// whose id only its caller was given. AKS lists the same action among those its cluster identity
// needs to manage disks (https://learn.microsoft.com/azure/aks/concepts-identity, "AKS cluster
// identity permissions"). Compute's and Network's own operation status
// (Microsoft.Compute/locations/operations/read, Microsoft.Network/locations/operations/read) are
// not here: the provider never follows a VM's, NIC's or run command's status URL (see above).
var operationStatusActions = [
  // Following a snapshot's PUT and DELETE and a SAS's grant and revoke to their end.
  'Microsoft.Compute/locations/diskOperations/read' // "Gets the status of an asynchronous Disk operation"
  // The VM sizes of the backup region as the subscription sees them, their capabilities and
  // restrictions (GET /subscriptions/{id}/providers/Microsoft.Compute/skus, filtered by location).
  'Microsoft.Compute/skus/read' // "Gets the list of Microsoft.Compute SKUs available for your Subscription"
]

var assignableScopes = union([subscription().id], map(additionalSubscriptionIds, id => '/subscriptions/${id}'))

// Each role's id is a guid of its own seed, so renaming a role (as `operationStatusRole` was, when
// it gained skus/read) keeps its assignments.
resource role 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'managed-disk-protection')
  properties: {
    roleName: 'Cloud PC DR managed-disk protection (${environmentName})'
    description: 'Snapshots a tenant\'s managed OS disks, copies them across regions with CopyStart (encrypted with the backup region\'s disk encryption set when the disk has a customer-managed key), verifies and prunes them; reads the VMs and personal host pools they belong to. Assigned on a tenant\'s disk scopes and backup resource groups only.'
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

resource recoveryRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'managed-disk-recovery')
  properties: {
    roleName: 'Cloud PC DR recovery devices (${environmentName})'
    description: 'Creates and deletes the temporary devices of a recovery (a disk from a restore point, a NIC, a VM) and runs the DR host pool registration in them. Assigned on a tenant\'s backup resource groups only.'
    type: 'CustomRole'
    permissions: [
      {
        actions: recoveryActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

resource subnetJoinRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'managed-disk-subnet-join')
  properties: {
    roleName: 'Cloud PC DR subnet join (${environmentName})'
    description: 'Lets the NICs of recovered devices join a subnet. Assigned on each subnet (or its virtual network) a recovery policy names.'
    type: 'CustomRole'
    permissions: [
      {
        actions: subnetJoinActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

resource capacityReservationRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'managed-disk-capacity-reservation')
  properties: {
    roleName: 'Cloud PC DR capacity reservation use (${environmentName})'
    description: 'Places recovered VMs on reserved capacity. Assigned on each capacity reservation group a recovery policy names.'
    type: 'CustomRole'
    permissions: [
      {
        actions: capacityReservationActions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: assignableScopes
  }
}

resource hostPoolRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(subscription().id, environmentName, 'managed-disk-dr-host-pool')
  properties: {
    roleName: 'Cloud PC DR host pool registration (${environmentName})'
    description: 'Gets a DR host pool\'s registration token, assigns users to recovered session hosts and removes them, and checks the application group\'s role assignments. Assigned on each DR host pool and its desktop application group.'
    type: 'CustomRole'
    permissions: [
      {
        actions: hostPoolActions
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
    roleName: 'Cloud PC DR subscription reads (${environmentName})'
    description: 'Reads the status of the asynchronous disk operations the control plane started (snapshots, SAS grants) and the VM sizes offered to the subscription. Assigned on the subscriptions holding a tenant\'s disk scopes or backup resource groups.'
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
output recoveryId string = recoveryRole.id
output subnetJoinId string = subnetJoinRole.id
output capacityReservationId string = capacityReservationRole.id
output hostPoolId string = hostPoolRole.id
output operationStatusId string = operationStatusRole.id
