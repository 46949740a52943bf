// The control plane, active-active in two regions: `azd up` deploys this file. One resource group
// holds everything; each control-plane region gets the same module (modules/controlPlane.bicep).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment (AZURE_ENV_NAME): names the resource group and seeds every resource token.')
param environmentName string

@minLength(1)
@description('First control-plane region (AZURE_LOCATION). The resource group, the Cosmos DB account and the Log Analytics workspace are created here too.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@minLength(1)
@description('Second control-plane region (AZURE_SECONDARY_LOCATION); must differ from the first.')
@metadata({
  azd: {
    type: 'location'
  }
})
param secondaryLocation string

@description('Protected regions with their backup regions (PROTECTED_REGIONS): comma-separated "primary:backup" pairs such as "westeurope:northeurope,northeurope:westeurope". Empty: each control-plane region is backed up to the other.')
param protectedRegions string = ''

@description('Object id of the deploying user or service principal (AZURE_PRINCIPAL_ID). It gets data roles only if grantDeployerDataAccess is true.')
param principalId string = ''

@allowed([
  'User'
  'ServicePrincipal'
])
@description('Kind of principalId (AZURE_PRINCIPAL_TYPE).')
param principalType string = 'User'

@description('Give principalId the same data roles as the app (every storage account, Service Bus, Cosmos DB, telemetry), to debug locally against Azure. Off: the deployer holds no standing access to the data.')
param grantDeployerDataAccess bool = false

@allowed([
  'Standard_AzureFrontDoor'
  'Premium_AzureFrontDoor'
])
@description('Front Door tier. Standard: WAF custom rules (method filter, rate limits). Premium adds the managed Default Rule Set and bot manager, at a higher base fee. Downgrading Premium to Standard is not supported.')
param frontDoorSku string = 'Standard_AzureFrontDoor'

@description('CIDR ranges (such as "203.0.113.7/32") allowed to call the Function Apps directly, bypassing Front Door: for when Front Door itself is out. Empty: only Front Door reaches them.')
param breakGlassCidrs string[] = []

@minLength(1)
@description('Client id of the admin API app registration (AUTH_AUDIENCE); infra/scripts/preprovision.sh creates it.')
param authAudience string

@description('Expected token issuer; {tenantid} stands for the token tenant (Entra ID v2 tokens).')
param authIssuer string = '${environment().authentication.loginEndpoint}{tenantid}/v2.0'

@description('Signing keys of the issuer.')
param authJwksUri string = '${environment().authentication.loginEndpoint}common/discovery/v2.0/keys'

@description('Six-field NCRONTAB of the restore-point timer (UTC).')
param restorePointSchedule string = '0 */5 * * * *'

@description('Where temporary devices come from (COMPUTE_PROVIDER): azure (VMs from managed-disk restore points) or simulated (page blobs, for trials without desktops).')
@allowed(['azure', 'simulated'])
param computeProvider string = 'azure'

@description('The simulated compute provider per backup region (SIMULATED_COMPUTE), used only with computeProvider simulated; {} is unlimited and instant.')
param simulatedCompute string = '{}'

@description('Cosmos DB database id.')
param cosmosDatabaseName string = 'clouddr'

@minValue(1000)
@description('Autoscale ceiling of the database throughput in RU/s, per region; it idles at a tenth of this.')
param cosmosMaxThroughput int = 1000

@minValue(1)
@maxValue(1000)
@description('Most instances each Function App scales out to.')
param maximumInstanceCount int = 100

@description('More subscriptions of this directory that hold tenants\' managed disks or backup resource groups: the managed-disk roles may be assigned there too.')
param managedDiskSubscriptionIds string[] = []

@description('Client id of the multi-tenant app registration whose federated credentials trust the Function Apps\' identities (docs/deploy.md, "Customers in other Entra tenants"): through it the control plane reaches tenants whose managed disks are in another Entra directory. Empty: none can be.')
param crossDirectoryAppClientId string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

var controlPlaneRegions = [
  location
  secondaryLocation
]
var defaultProtectedRegions = [
  {
    region: location
    backupRegion: secondaryLocation
  }
  {
    region: secondaryLocation
    backupRegion: location
  }
]
var protectedRegionPairs = empty(protectedRegions) ? defaultProtectedRegions : map(split(replace(protectedRegions, ' ', ''), ','), pair => { region: split(pair, ':')[0], backupRegion: split(pair, ':')[1] })

// Every region with storage: protected regions (disks), backup regions (restore points), and the
// control-plane regions, which the app requires in REGION_STORAGE.
var storageRegions = union(controlPlaneRegions, map(protectedRegionPairs, p => p.region), map(protectedRegionPairs, p => p.backupRegion))

// One token per region, so that each region's resources get names of their own.
var regionTokens = toObject(storageRegions, region => region, region => toLower(uniqueString(subscription().id, environmentName, region)))

// The deploying user gets data roles only when asked: no standing access to tenants' data otherwise.
var userPrincipals = !grantDeployerDataAccess || empty(principalId) ? [] : [
  {
    id: principalId
    type: principalType
  }
]

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module logAnalytics 'modules/logAnalytics.bicep' = {
  name: 'logAnalytics'
  scope: rg
  params: {
    location: location
    resourceToken: resourceToken
    tags: tags
  }
}

module identities 'modules/identity.bicep' = [for region in controlPlaneRegions: {
  name: 'identity-${region}'
  scope: rg
  params: {
    location: region
    resourceToken: regionTokens[region]
    tags: tags
  }
}]

// Every control-plane identity reaches the shared state and every region's storage, and so does
// the deploying user if grantDeployerDataAccess is set. Module outputs exist only once the modules
// have run, so the list is put together by a module of its own (modules/gather.bicep).
module principals 'modules/gather.bicep' = {
  name: 'gatherPrincipals'
  scope: rg
  params: {
    identityPrincipalIds: map(identities, identity => identity.outputs.principalId)
    userPrincipals: userPrincipals
  }
}

var identityPrincipals = principals.outputs.identityPrincipals
var dataPrincipals = principals.outputs.dataPrincipals

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    resourceToken: resourceToken
    tags: tags
    locations: controlPlaneRegions
    databaseName: cosmosDatabaseName
    maxThroughput: cosmosMaxThroughput
    principals: dataPrincipals
  }
}

module regionStorage 'modules/regionStorage.bicep' = [for region in storageRegions: {
  name: 'regionStorage-${region}'
  scope: rg
  params: {
    location: region
    resourceToken: regionTokens[region]
    tags: tags
    principals: dataPrincipals
  }
}]

// REGION_STORAGE: region name → blob service URI, reached with the app's identity.
module regionStorageEndpoints 'modules/gather.bicep' = {
  name: 'gatherRegionStorage'
  scope: rg
  params: {
    regionBlobEndpoints: toObject(regionStorage, storage => storage.outputs.region, storage => storage.outputs.blobEndpoint)
  }
}

var regionStorageSetting = regionStorageEndpoints.outputs.regionStorage

// The Front Door names, from what is known when the deployment starts: frontDoor creates the
// profile, endpoint and origin group under them, and frontDoorOrigins refers to the same three as
// `existing`. A name handed from one module's outputs to another is known only at run time, which
// leaves What-If unable to predict frontDoorOrigins (linter rule what-if-short-circuiting).
var frontDoorProfileName = '${abbrs.cdnProfilesFrontDoor}${resourceToken}'
var frontDoorEndpointName = '${abbrs.cdnProfilesAfdEndpoints}${resourceToken}'
var frontDoorOriginGroupName = 'control-plane'

// The edge first: the profile's id (X-Azure-FDID) is what each Function App admits. The origins
// and the route follow the Function Apps (frontDoorOrigins), since they need the apps' host names.
module frontDoor 'modules/frontDoor.bicep' = {
  name: 'frontDoor'
  scope: rg
  params: {
    resourceToken: resourceToken
    profileName: frontDoorProfileName
    endpointName: frontDoorEndpointName
    originGroupName: frontDoorOriginGroupName
    tags: tags
    sku: frontDoorSku
    logAnalyticsWorkspaceId: logAnalytics.outputs.id
  }
}

module controlPlane 'modules/controlPlane.bicep' = [for (region, i) in controlPlaneRegions: {
  name: 'controlPlane-${region}'
  scope: rg
  params: {
    location: region
    resourceToken: regionTokens[region]
    tags: tags
    serviceName: 'api${i + 1}'
    identityId: identities[i].outputs.id
    identityClientId: identities[i].outputs.clientId
    principals: concat([identityPrincipals[i]], userPrincipals)
    logAnalyticsWorkspaceId: logAnalytics.outputs.id
    regionStorage: regionStorageSetting
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmosDatabaseName
    authIssuer: authIssuer
    authAudience: authAudience
    authJwksUri: authJwksUri
    restorePointSchedule: restorePointSchedule
    computeProvider: computeProvider
    simulatedCompute: simulatedCompute
    maximumInstanceCount: maximumInstanceCount
    frontDoorId: frontDoor.outputs.frontDoorId
    breakGlassCidrs: breakGlassCidrs
    crossDirectoryAppClientId: crossDirectoryAppClientId
  }
}]

// The roles the control plane holds on tenants' managed-disk scopes (modules/managedDiskRole.bicep):
// defined here, assigned per tenant scope once a platform admin sets it (docs/deploy.md).
module managedDiskRole 'modules/managedDiskRole.bicep' = {
  // Deployments at subscription scope share one namespace: each environment names its own.
  name: 'managedDiskRole-${resourceToken}'
  params: {
    environmentName: environmentName
    additionalSubscriptionIds: managedDiskSubscriptionIds
  }
}

// The origins come after the profile, endpoint and origin group they join: through the control
// planes, which take frontDoor.outputs.frontDoorId (an explicit dependsOn on frontDoor would be
// redundant, linter rule no-unnecessary-dependson).
var originHostNames = map(controlPlane, plane => plane.outputs.hostName)

module frontDoorOrigins 'modules/frontDoorOrigins.bicep' = {
  name: 'frontDoorOrigins'
  scope: rg
  params: {
    profileName: frontDoorProfileName
    endpointName: frontDoorEndpointName
    originGroupName: frontDoorOriginGroupName
    originHostNames: originHostNames
  }
}

// The admin portal: a static website in each control-plane region (modules/portalSite.bicep),
// served by the same Front Door endpoint as the API (modules/frontDoorPortal.bicep), and published
// by azd's postdeploy hook (infra/scripts/publishPortal.sh) as whoever runs azd.
module portalSites 'modules/portalSite.bicep' = [for region in controlPlaneRegions: {
  name: 'portalSite-${region}'
  scope: rg
  params: {
    location: region
    resourceToken: regionTokens[region]
    tags: tags
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}]

var portalHostNames = map(portalSites, site => site.outputs.webHostName)

// The sign-in host the portal's MSAL fetches tokens from: https://login.microsoftonline.com in
// Azure's public cloud.
var signInOrigin = 'https://${split(environment().authentication.loginEndpoint, '/')[2]}'

module frontDoorPortal 'modules/frontDoorPortal.bicep' = {
  name: 'frontDoorPortal'
  scope: rg
  // After the API's route: the profile and endpoint exist by then (frontDoorOrigins follows the
  // control planes, which follow frontDoor), and the endpoint's routes change one module at a time.
  dependsOn: [
    frontDoorOrigins
  ]
  params: {
    profileName: frontDoorProfileName
    endpointName: frontDoorEndpointName
    originHostNames: portalHostNames
    signInOrigin: signInOrigin
  }
}

output AZURE_LOCATION string = location
output AZURE_SECONDARY_LOCATION string = secondaryLocation
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output API_BASE_URL string = 'https://${frontDoor.outputs.hostName}/api'
// The admin portal (also its Entra redirect URI), the accounts publishPortal.sh uploads it to, and
// the authority its portal-config.json names (the deployment's own tenant: the API's app
// registration is single-tenant).
output PORTAL_URL string = 'https://${frontDoor.outputs.hostName}/'
output PORTAL_STORAGE_ACCOUNTS string = join(map(portalSites, site => site.outputs.name), ' ')
output PORTAL_AUTHORITY string = '${environment().authentication.loginEndpoint}${tenant().tenantId}'
output SERVICE_API1_NAME string = controlPlane[0].outputs.functionAppName
output SERVICE_API2_NAME string = controlPlane[1].outputs.functionAppName
// For `az role assignment create --role`, each on its own kind of scope (docs/deploy.md, "Where
// each role is assigned").
output MANAGED_DISK_ROLE_ID string = managedDiskRole.outputs.id
output MANAGED_DISK_OPERATIONS_ROLE_ID string = managedDiskRole.outputs.operationStatusId
output RECOVERY_DEVICES_ROLE_ID string = managedDiskRole.outputs.recoveryId
output RECOVERY_SUBNET_JOIN_ROLE_ID string = managedDiskRole.outputs.subnetJoinId
output RECOVERY_CAPACITY_RESERVATION_ROLE_ID string = managedDiskRole.outputs.capacityReservationId
output DR_HOST_POOL_ROLE_ID string = managedDiskRole.outputs.hostPoolId

// The app's own settings, spelled as the app reads them, with the first region's values: enough for
// `func start` against Azure with your own identity (the host storage and task hub stay local), once
// grantDeployerDataAccess has given that identity the app's data roles.
output CONTROL_PLANE_REGION string = controlPlane[0].outputs.settings.CONTROL_PLANE_REGION
output REGION_STORAGE string = controlPlane[0].outputs.settings.REGION_STORAGE
output CosmosConnection__accountEndpoint string = controlPlane[0].outputs.settings.CosmosConnection__accountEndpoint
output COSMOS_DATABASE string = controlPlane[0].outputs.settings.COSMOS_DATABASE
output WORK_QUEUE_BACKEND string = controlPlane[0].outputs.settings.WORK_QUEUE_BACKEND
output ServiceBusConnection__fullyQualifiedNamespace string = controlPlane[0].outputs.settings.ServiceBusConnection__fullyQualifiedNamespace
output AUTH_ISSUER string = controlPlane[0].outputs.settings.AUTH_ISSUER
output AUTH_AUDIENCE string = controlPlane[0].outputs.settings.AUTH_AUDIENCE
output AUTH_JWKS_URI string = controlPlane[0].outputs.settings.AUTH_JWKS_URI
output AUTH_CLOCK_SKEW_SECONDS string = controlPlane[0].outputs.settings.AUTH_CLOCK_SKEW_SECONDS
output PLATFORM_TENANT_ID string = controlPlane[0].outputs.settings.PLATFORM_TENANT_ID
output RESTORE_POINT_SCHEDULE string = controlPlane[0].outputs.settings.RESTORE_POINT_SCHEDULE
output ARM_ENDPOINT string = controlPlane[0].outputs.settings.ARM_ENDPOINT
output MANAGED_DISK_CONTENT_SAMPLE_EVERY string = controlPlane[0].outputs.settings.MANAGED_DISK_CONTENT_SAMPLE_EVERY
output CROSS_DIRECTORY_APP_CLIENT_ID string = controlPlane[0].outputs.settings.CROSS_DIRECTORY_APP_CLIENT_ID
output ACTIVATION_LEASE_SECONDS string = controlPlane[0].outputs.settings.ACTIVATION_LEASE_SECONDS
output ACTIVATION_POLL_SECONDS string = controlPlane[0].outputs.settings.ACTIVATION_POLL_SECONDS
output COMPUTE_PROVIDER string = controlPlane[0].outputs.settings.COMPUTE_PROVIDER
output SIMULATED_COMPUTE string = controlPlane[0].outputs.settings.SIMULATED_COMPUTE
output FRONT_DOOR_ID string = controlPlane[0].outputs.settings.FRONT_DOOR_ID
