// The admin portal's static host in one control-plane region: a storage account of its own whose
// static website serves portal/dist from its `$web` container. main.bicep deploys it in each
// control-plane region and Front Door serves both as one origin group (modules/frontDoorPortal.bicep),
// so the portal stays reachable while either region is down. infra/scripts/publishPortal.sh (azd's
// postdeploy hook) uploads the build and its portal-config.json.
//
// Why an account of its own rather than the `$web` container of the region's stdata account: a
// static website is anonymous read access to `$web` through the web endpoint, whatever the account's
// other settings ("Disallowing anonymous access on a storage account ... doesn't affect static
// websites": https://learn.microsoft.com/azure/storage/blobs/storage-blob-static-website). Kept here,
// that public surface and whoever may write the portal's files stay away from restore points and
// device disks, and the deployer's data role below reaches no tenant's data.
param location string
param resourceToken string
param tags object

@description('Object id of the deploying user or pipeline (AZURE_PRINCIPAL_ID), which uploads the portal; empty: nobody is given the role and the upload must be made by someone who holds it.')
param deployerPrincipalId string

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of deployerPrincipalId.')
param deployerPrincipalType string

var abbrs = loadJsonContent('../abbreviations.json')

// Built-in roles (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' // Storage Blob Data Contributor
}

// The portal's files are a build of this repository and the same in both regions: nothing here
// needs more redundancy than LRS, as the other region's account is the copy.
resource account 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: '${abbrs.storageStorageAccounts}web${resourceToken}'
  location: location
  tags: tags
  // Static websites need a general-purpose v2 (or BlockBlobStorage) account.
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    // No container is public through the blob endpoint; the web endpoint serves `$web` regardless.
    allowBlobPublicAccess: false
    // Uploads use Entra ID (`az storage blob upload-batch --auth-mode login`); no key exists to leak.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

// The static website, declared rather than switched on by a script: Microsoft.Storage accepts
// `staticWebsite` on the blob service from API version 2025-08-01 (the Bicep types of the pinned
// CLI have it; earlier versions did not, and templates needed a deployment script for it).
// No 404 document: the portal routes by the URL's hash (portal/src/routes.ts), so any other path is
// a real 404. Host a static website: https://learn.microsoft.com/azure/storage/blobs/storage-blob-static-website-how-to
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: account
  name: 'default'
  properties: {
    staticWebsite: {
      enabled: true
      indexDocument: 'index.html'
    }
  }
}

// The deployer writes the portal's files (publishPortal.sh). Only this account: it holds the
// portal and nothing else, so this is no access to tenants' data (grantDeployerDataAccess governs that).
resource deployerUpload 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(account.id, deployerPrincipalId, roles.storageBlobDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
  }
}

output name string = account.name
// `https://stweb<token>.z6.web.core.windows.net/` → the host name Front Door connects to.
output webHostName string = replace(replace(account.properties.primaryEndpoints.web, 'https://', ''), '/', '')
