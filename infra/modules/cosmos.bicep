// The shared state: one Cosmos DB (NoSQL) account writable in both control-plane regions, with the
// database and containers the app assumes (src/adapters/cosmos/containers.ts). The app only reads
// and writes data: it never creates containers in Azure.
param resourceToken string
param tags object

@description('The control-plane regions, each a write region; the first is the account location.')
param locations array

param databaseName string

@description('Autoscale ceiling of the shared database throughput, RU/s per region.')
param maxThroughput int

@description('Principals ({ id, type }) that get the data contributor role.')
param principals array

var abbrs = loadJsonContent('../abbreviations.json')

// Cosmos DB Built-in Data Contributor: data plane only, no account or container management
// (https://learn.microsoft.com/azure/cosmos-db/nosql/security/reference-data-plane-roles).
var cosmosDataContributor = '00000000-0000-0000-0000-000000000002'

// Partition keys as in src/adapters/cosmos/containers.ts. Every path is indexed (the queries filter
// and sort on single properties) except maps that only take patch increments and are never queried:
// the compliance histogram buckets and the recovery counters, which are the hottest writes.
var containers = [
  {
    id: 'tenants'
    partitionKeyPath: '/id'
    notIndexed: []
  }
  {
    id: 'policies'
    partitionKeyPath: '/tenantId'
    notIndexed: []
  }
  {
    id: 'devices'
    partitionKeyPath: '/tenantId'
    notIndexed: [
      '/buckets/*'
    ]
  }
  {
    id: 'activations'
    partitionKeyPath: '/tenantId'
    notIndexed: []
  }
  {
    id: 'recoveries'
    partitionKeyPath: '/partition'
    notIndexed: [
      '/counts/*'
    ]
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2026-03-15' = {
  name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
  location: locations[0]
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    enableMultipleWriteLocations: true
    locations: [for (region, i) in locations: {
      locationName: region
      failoverPriority: i
      isZoneRedundant: false
    }]
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2026-03-15' = {
  parent: account
  name: databaseName
  properties: {
    resource: {
      id: databaseName
    }
    options: {
      autoscaleSettings: {
        maxThroughput: maxThroughput
      }
    }
  }
}

// Multi-region writes resolve conflicts by last writer wins on the server timestamp, the policy the
// stores are written for: documents several regions update are guarded by ETags within a region and
// move forward only, and counters are kept per writing region so that no increment is lost.
resource container 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2026-03-15' = [for c in containers: {
  parent: database
  name: c.id
  properties: {
    resource: {
      id: c.id
      partitionKey: {
        paths: [
          c.partitionKeyPath
        ]
        kind: 'Hash'
        version: 2
      }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: [
          {
            path: '/*'
          }
        ]
        excludedPaths: concat([
          {
            path: '/"_etag"/?'
          }
        ], map(c.notIndexed, path => { path: path }))
      }
      conflictResolutionPolicy: {
        mode: 'LastWriterWins'
        conflictResolutionPath: '/_ts'
      }
    }
  }
}]

// One at a time: the account takes one role-assignment operation at a time.
@batchSize(1)
resource dataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2026-03-15' = [for p in principals: {
  parent: account
  name: guid(account.id, p.id, cosmosDataContributor)
  properties: {
    principalId: p.id
    roleDefinitionId: '${account.id}/sqlRoleDefinitions/${cosmosDataContributor}'
    scope: account.id
  }
}]

output endpoint string = account.properties.documentEndpoint
