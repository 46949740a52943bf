// One address for the admin API: Front Door (Standard) sends /api/* to the nearest healthy
// control-plane region. Both Function Apps stay reachable at their own host names too (bearer
// tokens guard every route but the health probe), a way in should Front Door itself be out.
param resourceToken string
param tags object

@description('Host names of the control-plane Function Apps, one origin each.')
param originHostNames array

var abbrs = loadJsonContent('../abbreviations.json')

resource profile 'Microsoft.Cdn/profiles@2024-02-01' = {
  name: '${abbrs.cdnProfilesFrontDoor}${resourceToken}'
  location: 'global'
  tags: tags
  sku: {
    name: 'Standard_AzureFrontDoor'
  }
  properties: {
    // Functions answers HTTP within 230 seconds; Front Door must not give up sooner.
    originResponseTimeoutSeconds: 240
  }
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2024-02-01' = {
  parent: profile
  name: '${abbrs.cdnProfilesAfdEndpoints}${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    enabledState: 'Enabled'
  }
}

// /api/health answers 503 when a dependency of that region is unreachable. Every Front Door edge
// probes each origin, and each probe is a function execution that touches Cosmos DB, Service Bus
// and every region storage: hence a long interval rather than the 30-second default of the portal.
resource originGroup 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = {
  parent: profile
  name: 'control-plane'
  properties: {
    loadBalancingSettings: {
      sampleSize: 4
      successfulSamplesRequired: 3
      additionalLatencyInMilliseconds: 50
    }
    healthProbeSettings: {
      probePath: '/api/health'
      probeRequestType: 'GET'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 100
    }
    sessionAffinityState: 'Disabled'
  }
}

resource origins 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = [for (hostName, i) in originHostNames: {
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

resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = {
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

output hostName string = endpoint.properties.hostName
