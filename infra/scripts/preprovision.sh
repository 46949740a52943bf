#!/bin/sh
# azd preprovision hook. Checks the two control-plane regions, then makes sure the admin API has an
# Entra ID app registration: the audience of its tokens (AUTH_AUDIENCE) and the app roles
# DR.Reader, DR.Operator, DR.Admin and DR.PlatformAdmin (infra/auth/appRoles.json). With AUTH_AUDIENCE already set it
# changes nothing. Needs the Azure CLI signed in to the tenant (`az login`) with the right to
# register applications; without it, register the API by hand and `azd env set AUTH_AUDIENCE`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
auth="$here/../auth"
graph="https://graph.microsoft.com/v1.0"
# Azure CLI's client id: pre-authorised, so `az account get-access-token` can fetch API tokens.
azure_cli="04b07795-8ddb-461a-bbee-02f9e1bf7b46"

if [ -n "${AZURE_SECONDARY_LOCATION:-}" ] && [ "$AZURE_SECONDARY_LOCATION" = "${AZURE_LOCATION:-}" ]; then
  echo "AZURE_SECONDARY_LOCATION must differ from AZURE_LOCATION ($AZURE_LOCATION): the control plane runs in two regions." >&2
  exit 1
fi

if [ -n "${AUTH_AUDIENCE:-}" ]; then
  echo "Admin API app registration: $AUTH_AUDIENCE (AUTH_AUDIENCE)."
  exit 0
fi

if ! command -v az >/dev/null 2>&1; then
  echo "AUTH_AUDIENCE is not set and the Azure CLI is missing. Install it and run 'az login', or register" >&2
  echo "the API by hand (docs/deploy.md) and run 'azd env set AUTH_AUDIENCE <client id>'." >&2
  exit 1
fi

name="cloudpc-dr-${AZURE_ENV_NAME:-control-plane}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scope=$(cat "$auth/userImpersonationScope.json")
scope_id=$(printf '%s' "$scope" | sed -n 's/.*"id": *"\([0-9a-f-]*\)".*/\1/p' | head -n 1)

echo "Registering the admin API in Entra ID as '$name'..."
# v2 access tokens: issuer https://login.microsoftonline.com/{tenant}/v2.0, audience the client id.
printf '{"displayName":"%s","signInAudience":"AzureADMyOrg","appRoles":%s,"api":{"requestedAccessTokenVersion":2,"oauth2PermissionScopes":[%s]}}' \
  "$name" "$(cat "$auth/appRoles.json")" "$scope" >"$work/app.json"
object_id=$(az rest --method POST --uri "$graph/applications" --headers "Content-Type=application/json" \
  --body "@$work/app.json" --query id --output tsv)
app_id=$(az rest --method GET --uri "$graph/applications/$object_id" --query appId --output tsv)

printf '{"identifierUris":["api://%s"],"api":{"requestedAccessTokenVersion":2,"oauth2PermissionScopes":[%s],"preAuthorizedApplications":[{"appId":"%s","delegatedPermissionIds":["%s"]}]}}' \
  "$app_id" "$scope" "$azure_cli" "$scope_id" >"$work/api.json"
az rest --method PATCH --uri "$graph/applications/$object_id" --headers "Content-Type=application/json" \
  --body "@$work/api.json" --output none

# Only users and apps given one of the roles get tokens for the API at all.
printf '{"appId":"%s","appRoleAssignmentRequired":true}' "$app_id" >"$work/sp.json"
sp_id=""
for attempt in 1 2 3 4 5 6; do
  if sp_id=$(az rest --method POST --uri "$graph/servicePrincipals" --headers "Content-Type=application/json" \
    --body "@$work/sp.json" --query id --output tsv 2>/dev/null); then
    break
  fi
  # A new application takes a few seconds to reach every directory replica.
  sleep $((attempt * 5))
done
if [ -z "$sp_id" ]; then
  echo "Could not create the service principal of $app_id; run this script again." >&2
  exit 1
fi

# The deploying user, of the home tenant, becomes DR.PlatformAdmin (to create tenants and grant
# their disk scopes) and DR.Admin (to call the API of its own tenant) right after `azd up`.
user_id=$(az ad signed-in-user show --query id --output tsv 2>/dev/null || true)
if [ -n "$user_id" ]; then
  for role in DR.PlatformAdmin DR.Admin; do
    role_id=$(az rest --method GET --uri "$graph/servicePrincipals/$sp_id" \
      --query "appRoles[?value=='$role'].id | [0]" --output tsv)
    printf '{"principalId":"%s","resourceId":"%s","appRoleId":"%s"}' "$user_id" "$sp_id" "$role_id" >"$work/grant.json"
    az rest --method POST --uri "$graph/servicePrincipals/$sp_id/appRoleAssignedTo" \
      --headers "Content-Type=application/json" --body "@$work/grant.json" --output none
    echo "Granted $role to the signed-in user."
  done
fi

azd env set AUTH_AUDIENCE "$app_id"
echo "AUTH_AUDIENCE=$app_id (application id URI api://$app_id)."
