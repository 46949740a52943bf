#!/bin/sh
# Prints the admin portal's portal-config.json for this azd environment: sign in with Entra ID as the
# portal's app registration (PORTAL_CLIENT_ID, made by postprovision.sh), at the deployment tenant's
# authority (PORTAL_AUTHORITY, an output of main.bicep), for the admin API's delegated scope
# (api://AUTH_AUDIENCE/user_impersonation, infra/auth/userImpersonationScope.json). The portal reads
# it beside its index.html (portal/src/auth/portalConfig.ts). publishPortal.sh uploads it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
guid='^[0-9a-fA-F]\{8\}-[0-9a-fA-F]\{4\}-[0-9a-fA-F]\{4\}-[0-9a-fA-F]\{4\}-[0-9a-fA-F]\{12\}$'

# Each value goes into JSON unescaped, so each must have the shape it is known to have.
expect() {
  if ! printf '%s' "$2" | grep -q "$3"; then
    echo "$1 is '$2', not $4. $5" >&2
    exit 1
  fi
}

expect PORTAL_CLIENT_ID "${PORTAL_CLIENT_ID:-}" "$guid" "an application (client) id" \
  "Run 'azd hooks run postprovision' to register the portal, or register it by hand (docs/deploy.md, \"The admin portal\") and 'azd env set PORTAL_CLIENT_ID <client id>'."
expect AUTH_AUDIENCE "${AUTH_AUDIENCE:-}" "$guid" "an application (client) id" "It is set by the preprovision hook."
expect PORTAL_AUTHORITY "${PORTAL_AUTHORITY:-}" '^https://[A-Za-z0-9.-]*/[0-9a-fA-F-]*$' \
  "an authority URL" "It is an output of infra/main.bicep: run 'azd provision'."

scope=$(sed -n 's/.*"value": *"\([A-Za-z_.]*\)".*/\1/p' "$here/../auth/userImpersonationScope.json" | head -n 1)

printf '{"signIn":"entra","clientId":"%s","authority":"%s","scope":"api://%s/%s"}\n' \
  "$PORTAL_CLIENT_ID" "$PORTAL_AUTHORITY" "$AUTH_AUDIENCE" "$scope"
