/**
 * The principal each subscription's ARM calls are made as. A managed identity acts only in its own
 * Entra tenant, so a subscription of another directory (a customer's, named by its tenant's
 * `azureDirectoryId`) is reached as the multi-tenant app registration, signing in to that directory
 * with `ClientAssertionCredential` and the managed identity's token as its assertion; every other
 * subscription with the managed identity itself (docs/deploy.md, "Managed disks in customer
 * tenants").
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { ClientAssertionCredential } from '@azure/identity';
import { managedIdentityAssertion } from './managedIdentityAssertion';
import type { SubscriptionCredentials } from './subscriptionCredentials';

/** Makes the credential of one customer directory. */
export type DirectoryCredentialFactory = (
  directoryId: string,
  clientId: string,
  getAssertion: () => Promise<string>,
) => TokenCredential;

/**
 * `@azure/identity`'s client-assertion flow: `getAssertion` is called whenever Entra needs a new
 * assertion, and the app's tokens are cached inside the credential, per directory.
 */
export const clientAssertionCredential: DirectoryCredentialFactory = (directoryId, clientId, getAssertion) =>
  new ClientAssertionCredential(directoryId, clientId, getAssertion);

export interface ArmCredentialsOptions {
  /** The control plane's managed identity: its own directory's principal, and the assertion's source. */
  managedIdentity: TokenCredential;
  /** The multi-tenant app registration's client id (`CROSS_DIRECTORY_APP_CLIENT_ID`). */
  appClientId: string;
  /** The directory (lower case) of a subscription; undefined for the deployment's own. */
  directoryOf(subscriptionId: string): Promise<string | undefined>;
  /** How a customer directory's credential is made; `ClientAssertionCredential` unless a test stands in. */
  directoryCredential?: DirectoryCredentialFactory;
  /**
   * How long a token may serve a client before its pipeline asks again (and so the subscription's
   * directory is looked up again): a tenant moved to another directory is followed within this
   * plus `SubscriptionDirectories`' refresh, not only when a token expires (up to 24 hours for a
   * managed identity's).
   */
  recheckAfterInMs?: number;
  now?: () => number;
}

export class ArmCredentials implements SubscriptionCredentials {
  private readonly bySubscription = new Map<string, TokenCredential>();
  private readonly byDirectory = new Map<string, TokenCredential>();
  private readonly makeDirectoryCredential: DirectoryCredentialFactory;
  private readonly recheckAfterInMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ArmCredentialsOptions) {
    this.makeDirectoryCredential = options.directoryCredential ?? clientAssertionCredential;
    this.recheckAfterInMs = options.recheckAfterInMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The credential a client of the subscription is made with, made synchronously as clients are
   * (`PerSubscription.for`): the directory is looked up only when a token is asked for, which is
   * asynchronous anyway.
   */
  forSubscription(subscriptionId: string): TokenCredential {
    const key = subscriptionId.toLowerCase();
    let credential = this.bySubscription.get(key);
    if (!credential) {
      credential = { getToken: (scopes, options) => this.getToken(key, scopes, options) };
      this.bySubscription.set(key, credential);
    }
    return credential;
  }

  /** The managed identity for the deployment's own directory; the one cached app credential of another. */
  async credentialOf(subscriptionId: string): Promise<TokenCredential> {
    const directory = await this.options.directoryOf(subscriptionId);
    if (!directory) return this.options.managedIdentity;
    let credential = this.byDirectory.get(directory);
    if (!credential) {
      credential = this.makeDirectoryCredential(
        directory,
        this.options.appClientId,
        managedIdentityAssertion(this.options.managedIdentity),
      );
      this.byDirectory.set(directory, credential);
    }
    return credential;
  }

  private async getToken(
    subscriptionId: string,
    scopes: string | string[],
    options?: GetTokenOptions,
  ): Promise<AccessToken | null> {
    const credential = await this.credentialOf(subscriptionId);
    const token = await credential.getToken(scopes, options);
    if (!token) return token;
    // The pipeline's token cycler asks again after refreshAfterTimestamp (core-rest-pipeline
    // tokenCycler `shouldRefresh`), in the background while this token still serves; the
    // credentials behind cache their own tokens, so asking again costs no sign-in.
    const recheckAt = this.now() + this.recheckAfterInMs;
    return {
      ...token,
      refreshAfterTimestamp: Math.min(token.refreshAfterTimestamp ?? recheckAt, recheckAt),
    };
  }
}
