// Gathers what module loops produced into plain outputs of one module. A module loop (regionStorage,
// controlPlane) cannot read another module collection (identities, regionStorage) directly (Bicep
// BCP144), nor can a variable's for-loop read module outputs (BCP182); one module's outputs it can.
// Nothing is deployed here. main.bicep uses it twice: for the principals before the region storage,
// for REGION_STORAGE after it.

@description('Principal ids of the control-plane identities, in control-plane region order.')
param identityPrincipalIds array = []

@description('The deploying user ({ id, type }) when it gets data roles, else empty.')
param userPrincipals array = []

@description('Region name to that region storage blob service URI.')
param regionBlobEndpoints object = {}

var identityPrincipals = map(identityPrincipalIds, id => {
  id: id
  type: 'ServicePrincipal'
})

@description('The control-plane identities as principals ({ id, type }), in control-plane region order.')
output identityPrincipals array = identityPrincipals

@description('Everyone that gets data roles on the shared state and every region storage.')
output dataPrincipals array = concat(identityPrincipals, userPrincipals)

@description('REGION_STORAGE: JSON object of region name to blob service URI.')
output regionStorage string = string(regionBlobEndpoints)
