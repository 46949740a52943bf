// One region's storage (an entry of REGION_STORAGE): device disks when the region is protected,
// restore points when it is a backup region, the simulated temporary devices, and in a
// control-plane region its audit table (src/adapters/tables), which every control plane reads. Locally redundant
// on purpose: the app itself copies every restore point to another region, so GRS would pay twice.
param location string
param resourceToken string
param tags object

@description('Principals ({ id, type }) that read and write blobs and the audit table here: every control-plane identity and the deploying user.')
param principals array

var abbrs = loadJsonContent('../abbreviations.json')

// Built-in roles (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
}

// Device disks (page-blob VHDs, named by each device), restore points (src/adapters/blob),
// temporary devices and their records (src/adapters/compute). Deployments made before issue 28 also
// hold `restore-bases`, the removed incremental store's: ARM never deletes a container a template
// stops declaring, and the app still refuses it as a tenant's disk scope (src/domain/diskScope.ts).
var containerNames = [
  'disks'
  'restore-points'
  'temporary-devices'
  'simulated-compute'
]

// The containers the app owns; a safety-net rule may act there, never on device disks.
var appContainerPrefixes = [
  'restore-points/'
  'temporary-devices/'
  'simulated-compute/'
]

resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: '${abbrs.storageStorageAccounts}data${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    // A deleted container (and every restore point in it) can be restored for a week.
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = [for name in containerNames: {
  parent: blobService
  name: name
  properties: {
    publicAccess: 'None'
  }
}]

// Retention is the app's job (it prunes by policy and always keeps a device's latest verified point).
// This rule is only a safety net for blobs the app has tagged orphaned=true: nothing untagged is
// ever deleted, nor any snapshot (a point's read snapshot is what a recovery copies). Lifecycle management
// acts on block blobs only, so page blobs (disks, restore points) are out of its reach anyway.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'delete-orphaned-blobs'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: appContainerPrefixes
              blobIndexMatch: [
                {
                  name: 'orphaned'
                  op: '=='
                  value: 'true'
                }
              ]
            }
            actions: {
              baseBlob: {
                delete: {
                  daysAfterModificationGreaterThan: 7
                }
              }
            }
          }
        }
      ]
    }
  }
}

resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(account.id, p.id, roles.storageBlobDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: p.id
    principalType: p.type
  }
}]

// The audit table: each control plane inserts into its own region's and reads every region's.
resource tableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(account.id, p.id, roles.storageTableDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: p.id
    principalType: p.type
  }
}]

output region string = location
output blobEndpoint string = account.properties.primaryEndpoints.blob
