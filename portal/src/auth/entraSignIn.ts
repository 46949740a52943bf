/**
 * Microsoft Entra ID sign-in with MSAL: authorization code flow with PKCE through a redirect
 * (https://learn.microsoft.com/entra/identity-platform/scenario-spa-sign-in), then a token for the
 * API's scope, whose `roles` are the app roles the API checks.
 */
import { PublicClientApplication, type AuthenticationResult } from '@azure/msal-browser';
import type { PortalConfig } from './portalConfig';

type EntraConfig = Extract<PortalConfig, { signIn: 'entra' }>;

let instance: PublicClientApplication | undefined;

async function msal(config: EntraConfig): Promise<PublicClientApplication> {
  if (!instance) {
    instance = new PublicClientApplication({
      auth: {
        clientId: config.clientId,
        authority: config.authority,
        redirectUri: window.location.origin + window.location.pathname,
      },
      cache: { cacheLocation: 'sessionStorage' },
    });
    await instance.initialize();
  }
  return instance;
}

/** The API token after a completed redirect, or silently for a signed-in account; else undefined. */
export async function entraTokenIfSignedIn(config: EntraConfig): Promise<string | undefined> {
  const client = await msal(config);
  const redirect: AuthenticationResult | null = await client.handleRedirectPromise();
  if (redirect?.accessToken) return redirect.accessToken;
  const account = client.getAllAccounts()[0];
  if (!account) return undefined;
  try {
    return (await client.acquireTokenSilent({ account, scopes: [config.scope] })).accessToken;
  } catch {
    return undefined;
  }
}

/** Leaves for Microsoft's sign-in page; the portal is loaded again when it returns. */
export async function startEntraSignIn(config: EntraConfig): Promise<void> {
  const client = await msal(config);
  await client.loginRedirect({ scopes: [config.scope] });
}
