// The origins and the route of the admin API's Front Door (modules/frontDoor.bicep made the profile,
// endpoint and origin group). Deployed after the control-plane regions: an origin needs its Function
// App's host name, and each Function App needs the profile's id before, to admit Front Door alone.
// The profile, its endpoint and its origin group: main.bicep computes their names before anything
// is deployed and hands the same ones to modules/frontDoor.bicep, so What-If can resolve these
// `existing` references (a name taken from frontDoor's outputs would be known only at run time).
param profileName string
param endpointName string
param originGroupName string

@description('Host names of the control-plane Function Apps, one origin each.')
param originHostNames array

resource profile 'Microsoft.Cdn/profiles@2026-07-01' existing = {
  name: profileName
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2026-07-01' existing = {
  parent: profile
  name: endpointName
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2026-07-01' existing = {
  parent: profile
  name: originGroupName
}

resource origins 'Microsoft.Cdn/profiles/originGroups/origins@2026-07-01' = [for (hostName, i) in originHostNames: {
  parent: originGroup
  name: 'region${i + 1}'
  properties: {
    hostName: hostName
    originHostHeader: hostName
    httpPort: 80
    httpsPort: 443
    priority: 1
    weight: 1000
    enabledState: 'Enabled'
    enforceCertificateNameCheck: true
  }
}]

resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2026-07-01' = {
  parent: endpoint
  name: 'admin-api'
  // A route needs an origin group with origins in it.
  dependsOn: [
    origins
  ]
  properties: {
    originGroup: {
      id: originGroup.id
    }
    supportedProtocols: [
      'Https'
    ]
    patternsToMatch: [
      '/api/*'
    ]
    forwardingProtocol: 'HttpsOnly'
    httpsRedirect: 'Disabled'
    linkToDefaultDomain: 'Enabled'
    enabledState: 'Enabled'
  }
}
