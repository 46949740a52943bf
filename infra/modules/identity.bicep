// A control-plane region's user-assigned identity: the Function App reaches every dependency with it.
param location string
param resourceToken string
param tags object

var abbrs = loadJsonContent('../abbreviations.json')

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  location: location
  tags: tags
}

output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
