// The admin portal on the admin API's Front Door endpoint: one host serves the portal at /* and the
// API at /api/* (modules/frontDoorOrigins.bicep), so the portal calls the API on its own origin (no
// CORS) and either region can serve both. The portal's origin group holds the static website of each
// control-plane region (modules/portalSite.bicep), probed like the API's, so a region that is down
// drops out and the other serves the portal alone.
// Front Door with a static website origin: https://learn.microsoft.com/azure/frontdoor/scenario-storage-blobs
// Origins and origin groups: https://learn.microsoft.com/azure/frontdoor/origin
param profileName string
param endpointName string

@description('Host names of the static websites (stweb<token>.z<n>.web.core.windows.net), one origin each.')
param originHostNames array

@description('Sign-in authority host (https://login.microsoftonline.com): the portal fetches tokens from it (MSAL), so the Content-Security-Policy allows it.')
param signInOrigin string

resource profile 'Microsoft.Cdn/profiles@2026-07-01' existing = {
  name: profileName
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2026-07-01' existing = {
  parent: profile
  name: endpointName
}

// The portal's files, not a function: probing costs one storage read, and HEAD spares the body
// (Front Door's default probe method for new profiles, https://learn.microsoft.com/azure/frontdoor/health-probes).
// Every edge location probes, hence the same long interval as the API's group. 200 is healthy and
// anything else is not, so an account whose `$web` has not been published yet counts as down.
resource originGroup 'Microsoft.Cdn/profiles/originGroups@2026-07-01' = {
  parent: profile
  name: 'portal'
  properties: {
    loadBalancingSettings: {
      sampleSize: 4
      successfulSamplesRequired: 3
      additionalLatencyInMilliseconds: 50
    }
    healthProbeSettings: {
      probePath: '/index.html'
      probeRequestType: 'HEAD'
      probeProtocol: 'Https'
      probeIntervalInSeconds: 100
    }
    sessionAffinityState: 'Disabled'
  }
}

// Both regions at the same priority: the nearest healthy one serves. The origin host header is the
// account's own web host, which is all the static website answers to.
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

// The response headers src/local/portalSite.ts sends in the embedded runtime, here added at the
// edge, because a static website sends no headers of its own ("If you want to configure headers,
// you'll have to use Azure Content Delivery Network":
// https://learn.microsoft.com/azure/storage/blobs/storage-blob-static-website). The
// Content-Security-Policy differs from the local one where Entra sign-in needs it: MSAL redeems the
// authorization code and renews tokens by fetch from the sign-in host (connect-src), and may renew in
// a hidden iframe that loads it (frame-src) and then this site's own page (frame-ancestors 'self'
// rather than 'none'; another site still cannot frame the portal). Fluent UI writes styles at run
// time, hence 'unsafe-inline' for styles only.
// Security headers with a rule set: https://learn.microsoft.com/azure/frontdoor/standard-premium/how-to-add-security-headers
var contentSecurityPolicy = join([
  'default-src \'self\''
  'connect-src \'self\' ${signInOrigin}'
  'frame-src ${signInOrigin}'
  'style-src \'self\' \'unsafe-inline\''
  'img-src \'self\' data:'
  'frame-ancestors \'self\''
  'base-uri \'none\''
], '; ')

var securityHeaders = [
  {
    name: 'Content-Security-Policy'
    value: contentSecurityPolicy
  }
  {
    name: 'X-Content-Type-Options'
    value: 'nosniff'
  }
  {
    name: 'Referrer-Policy'
    value: 'no-referrer'
  }
  // HTTPS only: the routes accept nothing else.
  {
    name: 'Strict-Transport-Security'
    value: 'max-age=31536000'
  }
]

// Letters and digits only: rule set and rule names take no hyphens.
resource ruleSet 'Microsoft.Cdn/profiles/ruleSets@2026-07-01' = {
  parent: profile
  name: 'portalheaders'
}

// No condition: every response of the routes the rule set is attached to. A rule takes at most
// five actions (https://learn.microsoft.com/azure/frontdoor/front-door-rules-engine-actions).
resource securityHeadersRule 'Microsoft.Cdn/profiles/ruleSets/rules@2026-07-01' = {
  parent: ruleSet
  name: 'securityheaders'
  properties: {
    order: 1
    conditions: []
    actions: [for header in securityHeaders: {
      name: 'ModifyResponseHeader'
      parameters: {
        typeName: 'DeliveryRuleHeaderActionParameters'
        headerAction: 'Overwrite'
        headerName: header.name
        value: header.value
      }
    }]
    matchProcessingBehavior: 'Continue'
  }
}

// Caching: "separate routes for static and dynamic assets"
// (https://learn.microsoft.com/azure/frontdoor/front-door-caching). Vite names every file under
// /assets/ by its content's hash, so they are cached at the edge, for as long as the Cache-Control
// publishPortal.sh gives them says (a year, immutable). Everything else — index.html, which names
// the current assets, and portal-config.json — goes to the origin every time (no cacheConfiguration:
// caching off), so a deployment shows at once. The most specific pattern wins: /api/* and /assets/*
// before /*.
var compressedTypes = [
  'text/javascript'
  'application/javascript'
  'text/css'
  'application/json'
  'image/svg+xml'
]

var routes = [
  {
    name: 'portal-assets'
    pattern: '/assets/*'
    cacheConfiguration: {
      queryStringCachingBehavior: 'IgnoreQueryString'
      compressionSettings: {
        isCompressionEnabled: true
        contentTypesToCompress: compressedTypes
      }
    }
  }
  {
    name: 'portal'
    pattern: '/*'
    cacheConfiguration: null
  }
]

// A route needs its origin group's origins and the rule set's rule. One route at a time: parallel
// changes to one endpoint's routes may meet a conflicting operation (untried here; serial is safe).
@batchSize(1)
resource portalRoutes 'Microsoft.Cdn/profiles/afdEndpoints/routes@2026-07-01' = [for route in routes: {
  parent: endpoint
  name: route.name
  dependsOn: [
    origins
    securityHeadersRule
  ]
  properties: {
    originGroup: {
      id: originGroup.id
    }
    ruleSets: [
      {
        id: ruleSet.id
      }
    ]
    supportedProtocols: [
      'Https'
    ]
    patternsToMatch: [
      route.pattern
    ]
    forwardingProtocol: 'HttpsOnly'
    httpsRedirect: 'Disabled'
    linkToDefaultDomain: 'Enabled'
    enabledState: 'Enabled'
    cacheConfiguration: route.cacheConfiguration
  }
}]
