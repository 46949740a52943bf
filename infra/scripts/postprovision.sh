#!/bin/sh
# azd postprovision hook: the admin portal's Entra ID app registration, made now because its redirect
# URI is Front Door's host (PORTAL_URL), which exists only once provisioning has run. The portal is a
# single-page application (MSAL, authorization code with PKCE) of its own, `cloudpc-dr-<env>-portal`:
# the SPA platform with PORTAL_URL as its redirect URI, asking for the admin API's delegated scope
# user_impersonation, which the API pre-authorises for it, so no user is asked to consent. Its tokens
# are the API's (audience AUTH_AUDIENCE), carrying the app roles users hold on the API: roles are
# assigned once, on the API. It saves the client id as PORTAL_CLIENT_ID, which portalConfig.sh puts
# into portal-config.json. With PORTAL_CLIENT_ID set it only makes sure the redirect URI and the
# pre-authorisation are there. Needs the Azure CLI signed in (`az login`) as an owner of the API's
# registration (preprovision.sh made you one) or an application administrator.
# Register a SPA: https://learn.microsoft.com/entra/identity-platform/scenario-spa-app-registration
set -eu

here=$(cd "$(dirname "$0")" && pwd)
graph="https://graph.microsoft.com/v1.0"

: "${PORTAL_URL:?PORTAL_URL is not set: it is an output of infra/main.bicep}"
: "${AUTH_AUDIENCE:?AUTH_AUDIENCE is not set: the preprovision hook sets it}"

manual() {
  echo "The admin portal's app registration was not completed. Do it by hand (docs/deploy.md, \"The admin portal\"):" >&2
  echo "a single-page application with redirect URI $PORTAL_URL and the delegated permission" >&2
  echo "api://$AUTH_AUDIENCE/user_impersonation, then 'azd env set PORTAL_CLIENT_ID <client id>'." >&2
}
if ! command -v az >/dev/null 2>&1; then
  echo "The Azure CLI is missing." >&2
  manual
  exit 1
fi

work=$(mktemp -d)
trap 'status=$?; rm -rf "$work"; [ "$status" -eq 0 ] || manual' EXIT

scope_value=$(sed -n 's/.*"value": *"\([A-Za-z_.]*\)".*/\1/p' "$here/../auth/userImpersonationScope.json" | head -n 1)
api_app="$graph/applications(appId='$AUTH_AUDIENCE')"
# The scope's id as the API's registration has it (preprovision.sh's, or one made by hand).
scope_id=$(az rest --method GET --uri "$api_app" \
  --query "api.oauth2PermissionScopes[?value=='$scope_value'].id | [0]" --output tsv)
if [ -z "$scope_id" ]; then
  echo "The admin API ($AUTH_AUDIENCE) exposes no scope '$scope_value'." >&2
  exit 1
fi

if [ -z "${PORTAL_CLIENT_ID:-}" ]; then
  name="cloudpc-dr-${AZURE_ENV_NAME:-control-plane}-portal"
  echo "Registering the admin portal in Entra ID as '$name'..."
  printf '{"displayName":"%s","signInAudience":"AzureADMyOrg","spa":{"redirectUris":["%s"]},"requiredResourceAccess":[{"resourceAppId":"%s","resourceAccess":[{"id":"%s","type":"Scope"}]}]}' \
    "$name" "$PORTAL_URL" "$AUTH_AUDIENCE" "$scope_id" >"$work/app.json"
  portal_id=$(az rest --method POST --uri "$graph/applications" --headers "Content-Type=application/json" \
    --body "@$work/app.json" --query appId --output tsv)
  # Its service principal, the portal's entry in Enterprise applications. A new application takes a
  # few seconds to reach every directory replica.
  printf '{"appId":"%s"}' "$portal_id" >"$work/sp.json"
  attempt=1
  until az rest --method POST --uri "$graph/servicePrincipals" --headers "Content-Type=application/json" \
    --body "@$work/sp.json" --output none 2>/dev/null; do
    if [ "$attempt" -ge 6 ]; then
      echo "Could not create the service principal of $portal_id; run 'azd hooks run postprovision'." >&2
      exit 1
    fi
    sleep $((attempt * 5))
    attempt=$((attempt + 1))
  done
  azd env set PORTAL_CLIENT_ID "$portal_id"
  echo "PORTAL_CLIENT_ID=$portal_id"
else
  portal_id=$PORTAL_CLIENT_ID
  portal_app="$graph/applications(appId='$portal_id')"
  # The redirect URI, beside any others (another host name added by hand stays).
  az rest --method GET --uri "$portal_app" --query "spa.redirectUris" --output json >"$work/uris.json"
  if node -e '
    const [file, uri] = process.argv.slice(1);
    const uris = JSON.parse(require("fs").readFileSync(file, "utf8")) ?? [];
    if (uris.includes(uri)) process.exit(3);
    process.stdout.write(JSON.stringify({ spa: { redirectUris: [...uris, uri] } }));
  ' "$work/uris.json" "$PORTAL_URL" >"$work/spa.json"; then
    az rest --method PATCH --uri "$portal_app" --headers "Content-Type=application/json" \
      --body "@$work/spa.json" --output none
    echo "Added the redirect URI $PORTAL_URL to the portal's app registration ($portal_id)."
  elif [ $? -ne 3 ]; then
    exit 1
  fi
fi

# The API pre-authorises the portal for its scope, beside the Azure CLI that preprovision.sh
# pre-authorised: users get the API's token without a consent prompt. The whole `api` object goes
# back, with only the pre-authorised applications changed.
az rest --method GET --uri "$api_app" --query api --output json >"$work/api.json"
if node -e '
  const [file, appId, scopeId] = process.argv.slice(1);
  const api = JSON.parse(require("fs").readFileSync(file, "utf8"));
  const pre = api.preAuthorizedApplications ?? [];
  if (pre.some((p) => p.appId === appId && p.delegatedPermissionIds.includes(scopeId))) process.exit(3);
  const others = pre.filter((p) => p.appId !== appId);
  const preAuthorizedApplications = [...others, { appId, delegatedPermissionIds: [scopeId] }];
  process.stdout.write(JSON.stringify({ api: { ...api, preAuthorizedApplications } }));
' "$work/api.json" "$portal_id" "$scope_id" >"$work/api-patch.json"; then
  az rest --method PATCH --uri "$api_app" --headers "Content-Type=application/json" \
    --body "@$work/api-patch.json" --output none
  echo "The admin API pre-authorises the portal ($portal_id) for $scope_value."
elif [ $? -ne 3 ]; then
  exit 1
fi
echo "Admin portal sign-in: $PORTAL_URL as $portal_id."
