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

// Partition keys and indexing as in src/adapters/cosmos/containers.ts (`Indexing`; a test checks
// the two agree). Every path is indexed except maps that only take patch increments and are never
// queried: the compliance histogram buckets and the recovery counters, which are the hottest writes.
// Composite indexes serve the queries that filter on equality fields and then one range or ORDER BY
// (src/adapters/cosmos/deviceQueries.ts): the timers' ticks read what is due, not the fleet; the
// device list sorted by last verified point; the compliance counts per primary region.
var containers = [
  {
    id: 'tenants'
    partitionKeyPath: '/id'
    notIndexed: []
    compositeIndexes: []
  }
  {
    id: 'policies'
    partitionKeyPath: '/tenantId'
    notIndexed: []
    compositeIndexes: []
  }
  {
    id: 'devices'
    partitionKeyPath: '/tenantId'
    notIndexed: [
      '/buckets/*'
    ]
    compositeIndexes: [
      [
        {
          path: '/type'
          order: 'ascending'
        }
        {
          path: '/scheduled'
          order: 'ascending'
        }
        {
          path: '/nextDueAtMs'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/type'
          order: 'ascending'
        }
        {
          path: '/scheduled'
          order: 'ascending'
        }
        {
          path: '/announceAtMs'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/type'
          order: 'ascending'
        }
        {
          path: '/region'
          order: 'ascending'
        }
        {
          path: '/compactAtMs'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/type'
          order: 'ascending'
        }
        {
          path: '/licensed'
          order: 'ascending'
        }
        {
          path: '/createdAt'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/type'
          order: 'ascending'
        }
        {
          path: '/lastVerifiedAtMs'
          order: 'ascending'
        }
        {
          path: '/id'
          order: 'ascending'
        }
      ]
      [
        {
          path: '/type'
          order: 'ascending'
        }
        {
          path: '/primaryRegion'
          order: 'ascending'
        }
        {
          path: '/policyId'
          order: 'ascending'
        }
        {
          path: '/licensed'
          order: 'ascending'
        }
        {
          path: '/lastVerifiedAtMs'
          order: 'ascending'
        }
      ]
    ]
  }
  {
    id: 'activations'
    partitionKeyPath: '/tenantId'
    notIndexed: []
    compositeIndexes: []
  }
  {
    id: 'recoveries'
    partitionKeyPath: '/partition'
    notIndexed: [
      '/counts/*'
    ]
    compositeIndexes: []
  }
  {
    // CopyStart's slots, one partition per (subscription, target region): requests, the owning
    // region's lease and a signal. Released requests expire (time to live on, per item).
    id: 'copySlots'
    partitionKeyPath: '/partition'
    notIndexed: []
    compositeIndexes: [
      [
        {
          path: '/type'
          order: 'ascending'
        }
        {
          path: '/state'
          order: 'ascending'
        }
        {
          path: '/requestedAtMs'
          order: 'ascending'
        }
      ]
    ]
    defaultTtl: -1
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
    // Point-in-time restore of the state (an activation's record, a tenant's claims) to any second
    // of the last 7 days, into a new account; the 7-day tier stores its backups free of charge.
    // Multi-region write accounts are supported: a restore holds the writes the hub region had
    // confirmed by then (https://learn.microsoft.com/azure/cosmos-db/continuous-backup-restore-introduction#understanding-multi-region-write-account-restore).
    // An existing account moves from periodic to continuous once; it cannot move back.
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
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
    resource: union({
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
        compositeIndexes: c.compositeIndexes
      }
      conflictResolutionPolicy: {
        mode: 'LastWriterWins'
        conflictResolutionPath: '/_ts'
      }
    }, c.?defaultTtl == null ? {} : { defaultTtl: c.?defaultTtl })
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
