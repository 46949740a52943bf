#!/bin/sh
# azd postdeploy hook: publishes the admin portal to the static website of each control-plane region
# (PORTAL_STORAGE_ACCOUNTS, outputs of infra/main.bicep), so that Front Door can serve it from either.
# It builds portal/dist from this checkout (`npm run portal:build`), writes portal-config.json
# (portalConfig.sh) and uploads both to each account's `$web` container as whoever runs azd, with
# Entra ID (`--auth-mode login`: the accounts take no keys); main.bicep gives AZURE_PRINCIPAL_ID
# Storage Blob Data Contributor on those accounts for it. A postdeploy hook rather than
# postprovision: new portal code ships with `azd deploy` like the API's, and `azd up` runs it once
# the role assignments above have had the deployment's minutes to take effect.
# azd hooks: https://learn.microsoft.com/azure/developer/azure-developer-cli/azd-extensibility
# Upload with the Azure CLI: https://learn.microsoft.com/azure/storage/blobs/storage-blob-static-website-how-to
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -z "${PORTAL_STORAGE_ACCOUNTS:-}" ]; then
  echo "PORTAL_STORAGE_ACCOUNTS is not set: run 'azd provision' first (it is an output of infra/main.bicep)." >&2
  exit 1
fi
if ! command -v az >/dev/null 2>&1; then
  echo "The Azure CLI is missing: install it and run 'az login' to publish the admin portal." >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Before anything is built: a missing app registration fails here, not after the build.
"$here/portalConfig.sh" >"$work/portal-config.json"

# The portal as this checkout has it. azd builds the Function Apps remotely (remoteBuild), so the
# dependencies may not be installed here yet.
cd "$root"
if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi
npm run -s portal:build
if [ ! -f portal/dist/index.html ]; then
  echo "portal/dist/index.html is missing after 'npm run portal:build'." >&2
  exit 1
fi

# Two sets, each with its Cache-Control: hashed assets never change (Front Door and browsers keep
# them a year); index.html names the current assets and portal-config.json the sign-in, so both are
# revalidated on every load (modules/frontDoorPortal.bicep does not cache them at the edge either).
mkdir -p "$work/assets" "$work/pages"
for entry in portal/dist/* portal/dist/.[!.]*; do
  [ -e "$entry" ] || continue
  case "$(basename "$entry")" in
    assets) cp -R "$entry" "$work/assets/assets" ;;
    *) cp -R "$entry" "$work/pages/" ;;
  esac
done
mv "$work/portal-config.json" "$work/pages/portal-config.json"

# A role assigned by this deployment may take a few minutes to reach the storage service: retry.
upload() {
  account=$1
  source=$2
  cache=$3
  attempt=1
  until az storage blob upload-batch --account-name "$account" --destination '$web' --source "$source" \
    --auth-mode login --overwrite --content-cache-control "$cache" --only-show-errors --output none; do
    if [ "$attempt" -ge 6 ]; then
      echo "Could not upload to $account: you need Storage Blob Data Contributor on it (docs/deploy.md, \"The admin portal\")." >&2
      return 1
    fi
    sleep $((attempt * 10))
    attempt=$((attempt + 1))
  done
}

# The assets first, to every region, then the pages: whichever region serves the new index.html
# already holds the assets it names. Old assets stay, for pages loaded before this deployment.
for account in $PORTAL_STORAGE_ACCOUNTS; do
  if [ -d "$work/assets/assets" ]; then
    upload "$account" "$work/assets" 'public, max-age=31536000, immutable'
  fi
done
for account in $PORTAL_STORAGE_ACCOUNTS; do
  upload "$account" "$work/pages" 'no-cache'
  echo "Published the admin portal to $account."
done
echo "Admin portal: ${PORTAL_URL:-the Front Door endpoint}"
