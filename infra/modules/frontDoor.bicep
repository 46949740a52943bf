// One address for the admin API: Front Door sends /api/* to the nearest healthy control-plane
// region, through a WAF policy. This module is the edge itself — the profile (whose id the Function
// Apps admit, so it is deployed before them), its endpoint, the origin group with its health probe,
// the WAF policy and the security policy that attaches it. The origins and the route come after the
// Function Apps, in modules/frontDoorOrigins.bicep, since they need the apps' host names.
param resourceToken string
param tags object

// main.bicep names the profile, endpoint and origin group, and hands the same names to
// modules/frontDoorOrigins.bicep.
@description('Name of the Front Door profile.')
param profileName string

@description('Name of the endpoint.')
param endpointName string

@description('Name of the origin group the control-plane regions join.')
param originGroupName string

@allowed([
  'Standard_AzureFrontDoor'
  'Premium_AzureFrontDoor'
])
@description('Front Door tier; the WAF policy is of the same tier. Premium adds the managed rule sets.')
param sku string

@description('Log Analytics workspace that receives the WAF log (what was blocked, by which rule).')
param logAnalyticsWorkspaceId string

var abbrs = loadJsonContent('../abbreviations.json')

// Managed rule sets (the Default Rule Set, the bot manager) exist only on Premium; Standard runs
// custom rules only (https://learn.microsoft.com/azure/web-application-firewall/afds/afds-overview).
var premium = sku == 'Premium_AzureFrontDoor'

// The methods the admin API's routes answer (src/functions: GET, POST, PUT, DELETE); anything else
// never reaches a Function App.
var allowedMethods = [
  'GET'
  'POST'
  'PUT'
  'DELETE'
]

// Anonymous routes (src/functions: health, openapi.json, local-issuer/jwks.json): no token stands in
// front of them, and each /api/health call reaches Cosmos DB, Service Bus and every region's storage.
var anonymousPaths = [
  '/api/health'
  '/api/openapi.json'
  '/api/local-issuer/jwks.json'
]

// Premium only: the Default Rule Set 2.1 (OWASP-style attacks, scored; a score of 5 blocks) and
// the bot manager (bad bots blocked, good bots allowed, unknown bots logged)
// (https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-drs,
// https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-policy-configure-bot-protection).
var premiumRuleSets = [
  {
    ruleSetType: 'Microsoft_DefaultRuleSet'
    ruleSetVersion: '2.1'
    ruleSetAction: 'Block'
  }
  {
    ruleSetType: 'Microsoft_BotManagerRuleSet'
    ruleSetVersion: '1.1'
  }
]

// Functions routes ignore case, and a path may arrive percent-encoded: the URI rules compare the
// decoded, lower-cased URI.
var uriTransforms = [
  'UrlDecode'
  'Lowercase'
]

resource profile 'Microsoft.Cdn/profiles@2026-07-01' = {
  name: profileName
  location: 'global'
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    // Functions answers HTTP within 230 seconds; Front Door must not give up sooner.
    originResponseTimeoutSeconds: 240
  }
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2026-07-01' = {
  parent: profile
  name: endpointName
  location: 'global'
  tags: tags
  properties: {
    enabledState: 'Enabled'
  }
}

// /api/health answers 503 when a dependency of that region is unreachable. Every Front Door edge
// probes each origin, and each probe is a function execution that touches Cosmos DB, Service Bus
// and every region storage: hence a long interval rather than the 30-second default of the portal.
// Probes go from Front Door's backend addresses with this profile's X-Azure-FDID, so the Function
// Apps' access restriction (modules/controlPlane.bicep) lets them through; they do not pass the WAF.
resource originGroup 'Microsoft.Cdn/profiles/originGroups@2026-07-01' = {
  parent: profile
  name: originGroupName
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

// Prevention mode: a matching rule acts (blocks), not just logs. Rules run by priority, lowest first;
// a Block ends the evaluation. A blocked request gets Front Door's own 403 and never reaches an origin.
resource wafPolicy 'Microsoft.Network/FrontDoorWebApplicationFirewallPolicies@2026-04-01' = {
  // Letters and digits only: WAF policy names take no hyphens.
  name: '${abbrs.networkFirewallPoliciesWebApplication}${resourceToken}'
  location: 'global'
  tags: tags
  // The profile's tier: upgrading a Standard profile makes Premium copies of its WAF policies
  // (https://learn.microsoft.com/azure/frontdoor/tier-upgrade); managed rules need Premium.
  sku: {
    name: sku
  }
  properties: {
    policySettings: {
      enabledState: 'Enabled'
      mode: 'Prevention'
    }
    customRules: {
      rules: [
        // A match rule on the request method, negated: block whatever the API does not serve
        // (https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-custom-rules).
        {
          name: 'BlockUnusedMethods'
          priority: 100
          enabledState: 'Enabled'
          ruleType: 'MatchRule'
          action: 'Block'
          matchConditions: [
            {
              matchVariable: 'RequestMethod'
              operator: 'Equal'
              negateCondition: true
              matchValue: allowedMethods
            }
          ]
        }
        // Rate limits count per socket IP address (the client, or the proxy in front of it), over a
        // window of one or five minutes; once over the threshold, matching requests are blocked for
        // the rest of the window, and below about 200 a minute a few may slip through as edges catch
        // up (https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-rate-limit).
        // The anonymous routes: 60 per 5 minutes is a monitor every 5 s, and the long window keeps a
        // flooder out longest for the least it may send.
        {
          name: 'RateLimitAnonymousRoutes'
          priority: 200
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 5
          rateLimitThreshold: 60
          action: 'Block'
          matchConditions: [
            {
              matchVariable: 'RequestUri'
              operator: 'Contains'
              negateCondition: false
              matchValue: anonymousPaths
              transforms: uriTransforms
            }
          ]
        }
        // Every API call: 2,400 a minute from one address is twice what the app lets one caller
        // change in a minute (src/http/limits.ts), so a single client meets the app's own 429 and
        // Retry-After first and a few behind one NAT address fit, while a flood from one address
        // stops at the edge; per socket IP, a 1-minute window
        // (https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-rate-limit).
        {
          name: 'RateLimitApi'
          priority: 300
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: 2400
          action: 'Block'
          matchConditions: [
            {
              matchVariable: 'RequestUri'
              operator: 'Contains'
              negateCondition: false
              matchValue: [
                '/api/'
              ]
              transforms: uriTransforms
            }
          ]
        }
      ]
    }
    managedRules: {
      managedRuleSets: premium ? premiumRuleSets : []
    }
  }
}

// Attaches the WAF policy to every request on the endpoint's domain.
resource securityPolicy 'Microsoft.Cdn/profiles/securityPolicies@2026-07-01' = {
  parent: profile
  name: 'waf'
  properties: {
    parameters: {
      type: 'WebApplicationFirewall'
      wafPolicy: {
        id: wafPolicy.id
      }
      associations: [
        {
          domains: [
            {
              id: endpoint.id
            }
          ]
          patternsToMatch: [
            '/*'
          ]
        }
      ]
    }
  }
}

// The WAF log only (one row per request a rule matched), so that a blocked caller can be explained.
// 2021-05-01-preview is the latest diagnosticSettings API and the one the reference documents
// (https://learn.microsoft.com/azure/templates/microsoft.insights/diagnosticsettings). The only GA
// version, 2016-09-01, which use-recent-api-versions offers instead, is the older service
// diagnostic settings API: its one setting per resource must be named 'service' and carry a
// location, and it has no categoryGroup nor logAnalyticsDestinationType
// (https://learn.microsoft.com/azure/templates/microsoft.insights/2016-09-01/diagnosticsettings;
// Bicep 0.49.2 rejects name 'waf-log' there, BCP036). Hence the rule is silenced for this line only.
#disable-next-line use-recent-api-versions
resource wafLog 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'waf-log'
  scope: profile
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        category: 'FrontDoorWebApplicationFirewallLog'
        enabled: true
      }
    ]
  }
}

output hostName string = endpoint.properties.hostName
// What Front Door sends as X-Azure-FDID: the Function Apps admit only requests that carry it
// (https://learn.microsoft.com/azure/frontdoor/origin-security#front-door-identifier).
output frontDoorId string = profile.properties.frontDoorId
