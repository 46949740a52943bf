// The one Log Analytics workspace both regions' Application Insights write to.
param location string
param resourceToken string
param tags object

var abbrs = loadJsonContent('../abbreviations.json')

resource workspace 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
    features: {
      disableLocalAuth: true
    }
  }
}

output id string = workspace.id
