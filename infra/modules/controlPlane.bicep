// One control-plane region: the Function App (Flex Consumption, Node 22) with its host storage and
// Durable task hub, its Service Bus namespace and work queues, and Application Insights. Deployed
// once per control-plane region; nothing here is shared between regions.
param location string

// uniqueString() is always 13 characters: the compiler checks names built from it (the Service Bus
// namespace needs at least 6, BCP334) against this length.
@minLength(13)
@maxLength(13)
param resourceToken string
param tags object

@description('azd service name of this Function App (azure.yaml).')
param serviceName string

@description('Resource id of this region user-assigned identity.')
param identityId string

@description('Client id of that identity, named in the identity-based connections.')
param identityClientId string

@description('Principals ({ id, type }) that get data access to this region resources: its identity, then the deploying user if main.bicep grantDeployerDataAccess asks for it.')
param principals array

param logAnalyticsWorkspaceId string

@description('REGION_STORAGE: JSON object of region name to blob service URI.')
param regionStorage string

param cosmosEndpoint string
param cosmosDatabaseName string
param authIssuer string
param authAudience string
param authJwksUri string
param restorePointSchedule string
param computeProvider string
param simulatedCompute string
param maximumInstanceCount int

@description('The Front Door profile id (X-Azure-FDID): the only caller the Function App admits.')
param frontDoorId string

@description('CIDR ranges that may also call the Function App directly, for when Front Door itself is out.')
param breakGlassCidrs string[]

@description('CROSS_DIRECTORY_APP_CLIENT_ID: the multi-tenant app registration through which tenants in other Entra directories are reached; empty for none.')
param crossDirectoryAppClientId string

var abbrs = loadJsonContent('../abbreviations.json')
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentContainerName = 'app-package'

// One task hub per region, each in its own host storage (ARCHITECTURE.md: neither task hubs nor
// Service Bus replicate in-flight work).
var taskHubName = 'clouddr${location}'

// Built-in roles (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b' // Storage Blob Data Owner
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88' // Storage Queue Data Contributor
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3' // Storage Table Data Contributor
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39' // Azure Service Bus Data Sender
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0' // Azure Service Bus Data Receiver
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb' // Monitoring Metrics Publisher
}

// The work queues (src/queueNames.ts) with what their workers rely on. The Functions host renews a
// lock while a handler runs (host.json's maxAutoLockRenewalDuration: 10 minutes, its
// functionTimeout), 10 s before the lock ends (Azure.Messaging.ServiceBus ReceiverManager), so the
// lock duration only decides how soon a message comes back after its instance died.
var queues = [
  {
    // RestorePointWorker holds a slot under a 2-minute lease: the message returns as the lease ends.
    name: 'restore-points'
    lockDuration: 'PT2M'
    maxDeliveryCount: 10
  }
  {
    // recoveryMaxDeliveries in src/functions/recovery.ts: the last delivery records the device as failed.
    // A device's recovery is on the activation's RTO: a message whose instance died comes back
    // within 20 s, not the default minute; 20 s is the shortest lock that keeps the host's whole
    // 10 s renewal buffer.
    name: 'device-recovery'
    lockDuration: 'PT20S'
    maxDeliveryCount: 10
  }
]

// Every setting the app reads (src/settingNames.ts), identity-based: no keys anywhere.
var appSettings = {
  CONTROL_PLANE_REGION: location
  REGION_STORAGE: regionStorage
  CosmosConnection__accountEndpoint: cosmosEndpoint
  CosmosConnection__credential: 'managedidentity'
  CosmosConnection__clientId: identityClientId
  COSMOS_DATABASE: cosmosDatabaseName
  WORK_QUEUE_BACKEND: 'servicebus'
  ServiceBusConnection__fullyQualifiedNamespace: '${serviceBus.name}.servicebus.windows.net'
  ServiceBusConnection__credential: 'managedidentity'
  ServiceBusConnection__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: hostStorage.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: hostStorage.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: hostStorage.properties.primaryEndpoints.table
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  DURABLE_TASK_HUB: taskHubName
  AUTH_ISSUER: authIssuer
  AUTH_AUDIENCE: authAudience
  AUTH_JWKS_URI: authJwksUri
  AUTH_CLOCK_SKEW_SECONDS: '60'
  // The deployment's home tenant: only its principals can hold DR.PlatformAdmin.
  PLATFORM_TENANT_ID: tenant().tenantId
  RESTORE_POINT_SCHEDULE: restorePointSchedule
  ACTIVATION_LEASE_SECONDS: '60'
  ACTIVATION_POLL_SECONDS: '5'
  COMPUTE_PROVIDER: computeProvider
  SIMULATED_COMPUTE: simulatedCompute
  // Managed disks: this cloud's Resource Manager, and 1 restore point in 10 has its content compared.
  ARM_ENDPOINT: environment().resourceManager
  MANAGED_DISK_CONTENT_SAMPLE_EVERY: '10'
  // Filled by the operator once the app registration exists (docs/deploy.md, "Customers in other
  // Entra tenants"); empty, every subscription is reached with this region's identity.
  CROSS_DIRECTORY_APP_CLIENT_ID: crossDirectoryAppClientId
  // The app trusts X-Azure-SocketIP (the client's address) only on requests whose X-Azure-FDID is this.
  FRONT_DOOR_ID: frontDoorId
  // REGION_STORAGE entries carry no client id: DefaultAzureCredential takes the identity from here.
  AZURE_CLIENT_ID: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// Who may call the Function App: Front Door's backend addresses (the AzureFrontDoor.Backend service
// tag) carrying this profile's X-Azure-FDID — other Front Door profiles share those addresses, not
// the id — and nobody else, unless a break-glass range is set. Front Door's health probes come the
// same way. A denied caller gets 403 from App Service before any function runs
// (https://learn.microsoft.com/azure/app-service/app-service-ip-restrictions#restrict-access-to-a-specific-azure-front-door-instance;
// Flex Consumption has inbound access restrictions:
// https://learn.microsoft.com/azure/azure-functions/functions-networking-options#matrix-of-networking-features).
var frontDoorRule = {
  name: 'front-door'
  priority: 100
  action: 'Allow'
  tag: 'ServiceTag'
  ipAddress: 'AzureFrontDoor.Backend'
  headers: {
    'x-azure-fdid': [
      frontDoorId
    ]
  }
}

// Break glass: each range an Allow rule of its own, after the Front Door rule.
var breakGlassRules = [for (cidr, i) in breakGlassCidrs: {
  name: 'break-glass-${i + 1}'
  priority: 200 + i
  action: 'Allow'
  tag: 'Default'
  ipAddress: cidr
}]

// The Functions host storage: host locks, timers, the deployment package and the Durable task hub.
resource hostStorage 'Microsoft.Storage/storageAccounts@2026-09-01' = {
  name: '${abbrs.storageStorageAccounts}host${resourceToken}'
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

resource hostBlobService 'Microsoft.Storage/storageAccounts/blobServices@2026-09-01' = {
  parent: hostStorage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-09-01' = {
  parent: hostBlobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: '${abbrs.serviceBusNamespaces}${resourceToken}'
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

// Duplicate detection drops re-sent messages by their deterministic ids (src/app/*Message*.ts);
// the 10-minute window covers the scheduler re-sending a slot on its next runs. Duplicate detection
// cannot be changed once a queue exists.
resource queue 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [for q in queues: {
  parent: serviceBus
  name: q.name
  properties: {
    lockDuration: q.lockDuration
    maxDeliveryCount: q.maxDeliveryCount
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
    requiresSession: false
    enablePartitioning: false
  }
}]

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${abbrs.insightsComponents}${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalyticsWorkspaceId
    DisableLocalAuth: true
  }
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: '${abbrs.webServerFarms}${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  tags: union(tags, {
    'azd-service-name': serviceName
  })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ipSecurityRestrictions: concat([frontDoorRule], breakGlassRules)
      ipSecurityRestrictionsDefaultAction: 'Deny'
      // The SCM (Kudu) site keeps its own, open rules: azd deploys the package through it
      // (/api/publish) from wherever the deployer runs, every caller must authenticate to it (azd
      // with an Entra ID token), and it serves none of the API.
      scmIpSecurityRestrictionsUseMain: false
      scmIpSecurityRestrictionsDefaultAction: 'Allow'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${hostStorage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
  }
}

resource functionAppSettings 'Microsoft.Web/sites/config@2025-03-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: appSettings
}

// Host storage and task hub: blobs (host locks, timers, deployment package), queues and tables (Durable).
resource hostBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(hostStorage.id, p.id, roles.storageBlobDataOwner)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: p.id
    principalType: p.type
  }
}]

resource hostQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(hostStorage.id, p.id, roles.storageQueueDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: p.id
    principalType: p.type
  }
}]

resource hostTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(hostStorage.id, p.id, roles.storageTableDataContributor)
  scope: hostStorage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: p.id
    principalType: p.type
  }
}]

// Work queues: the scheduler, dispatcher and workers send; the queue triggers and the health probe receive.
resource serviceBusDataSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(serviceBus.id, p.id, roles.serviceBusDataSender)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataSender)
    principalId: p.id
    principalType: p.type
  }
}]

resource serviceBusDataReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(serviceBus.id, p.id, roles.serviceBusDataReceiver)
  scope: serviceBus
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
    principalId: p.id
    principalType: p.type
  }
}]

// Telemetry with Entra ID authentication (Application Insights has local auth off).
resource appInsightsMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for p in principals: {
  name: guid(appInsights.id, p.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: p.id
    principalType: p.type
  }
}]

output functionAppName string = functionApp.name
output hostName string = functionApp.properties.defaultHostName
output settings object = appSettings
