/**
 * The client assertion of a multi-tenant app whose federated identity credential trusts the
 * control plane's managed identity: that identity's own token for the token-exchange audience.
 * Entra checks the token's issuer and subject (the identity's object id) against the app's
 * federated credential and, if they match, issues the app's token in whichever directory the
 * app's service principal was created in ("Configure an application to trust a managed identity",
 * https://learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity:
 * "the service principal of the app registration can still redeem the managed identity token" in
 * another tenant, while the app and the identity are in the same one).
 */
import type { TokenCredential } from '@azure/core-auth';

/**
 * The exchange audience of Azure's public cloud, as the page above gives it (US Government and
 * China have their own, `api://AzureADTokenExchangeUSGov`, `api://AzureADTokenExchangeChina`);
 * `.default` asks the managed identity for a token to that resource.
 */
export const tokenExchangeScope = 'api://AzureADTokenExchange/.default';

/** A `getAssertion` for `ClientAssertionCredential`: the identity's token, fetched (or cached) on each call. */
export function managedIdentityAssertion(managedIdentity: TokenCredential): () => Promise<string> {
  return async () => {
    const token = await managedIdentity.getToken(tokenExchangeScope);
    if (!token) throw new Error(`The managed identity returned no token for ${tokenExchangeScope}`);
    return token.token;
  };
}
