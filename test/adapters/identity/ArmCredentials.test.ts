/**
 * Which principal a subscription's ARM calls are made as. Entra cannot run here, so the managed
 * identity is a TokenCredential double that records the scopes it is asked for (the port's
 * contract) and a customer directory's credential is made by a recording factory; the default
 * factory is shown to be `@azure/identity`'s ClientAssertionCredential. That Entra accepts the
 * assertion, and that ARM then admits the app's service principal, only a real directory shows
 * (docs/deploy.md, "Customers in other Entra tenants").
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { ClientAssertionCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import {
  ArmCredentials,
  clientAssertionCredential,
  type DirectoryCredentialFactory,
} from '../../../src/adapters/identity/ArmCredentials';
import { createArmCredential } from '../../../src/adapters/identity/createArmCredential';
import { tokenExchangeScope } from '../../../src/adapters/identity/managedIdentityAssertion';
import { credentialFor } from '../../../src/adapters/identity/subscriptionCredentials';
import type { DiskScopeClaim } from '../../../src/domain/diskScope';

const appClientId = 'c11e0000-0000-4000-8000-0000000000a9';
const own = 'aaaaaaaa-0000-4000-8000-000000000001';
const customer = 'bbbbbbbb-0000-4000-8000-000000000002';
const customerToo = 'cccccccc-0000-4000-8000-000000000003';
const directory = 'dddddddd-0000-4000-8000-00000000000d';
const armScope = 'https://management.azure.com/.default';
const hour = 3_600_000;

/** A managed identity that answers every scope and records what it was asked. */
class RecordingIdentity implements TokenCredential {
  readonly asked: (string | string[])[] = [];
  constructor(private readonly expiresOnTimestamp = Date.now() + 24 * hour) {}
  getToken(scopes: string | string[]): Promise<AccessToken> {
    this.asked.push(scopes);
    return Promise.resolve({
      token: `mi-token-for:${String(scopes)}`,
      expiresOnTimestamp: this.expiresOnTimestamp,
    });
  }
}

interface Made {
  directoryId: string;
  clientId: string;
  getAssertion: () => Promise<string>;
  asked: { scopes: string | string[]; options: GetTokenOptions | undefined }[];
}

/** Stands in for ClientAssertionCredential: records how it was made and what it was asked. */
function recordingFactory(made: Made[]): DirectoryCredentialFactory {
  return (directoryId, clientId, getAssertion) => {
    const entry: Made = { directoryId, clientId, getAssertion, asked: [] };
    made.push(entry);
    return {
      getToken: (scopes, options) => {
        entry.asked.push({ scopes, options });
        return Promise.resolve({ token: `app-token@${directoryId}`, expiresOnTimestamp: Date.now() + hour });
      },
    };
  };
}

const directoryOf = (subscriptionId: string) =>
  Promise.resolve([customer, customerToo].includes(subscriptionId.toLowerCase()) ? directory : undefined);

describe('ArmCredentials', () => {
  it("makes a customer directory's credential from its id, the app's client id and the identity's exchange token", async () => {
    const identity = new RecordingIdentity();
    const made: Made[] = [];
    const credentials = new ArmCredentials({
      managedIdentity: identity,
      appClientId,
      directoryOf,
      directoryCredential: recordingFactory(made),
    });
    const token = await credentials.forSubscription(customer.toUpperCase()).getToken(armScope);
    expect(token?.token).toBe(`app-token@${directory}`);
    expect(made.map(({ directoryId, clientId }) => ({ directoryId, clientId }))).toEqual([
      { directoryId: directory, clientId: appClientId },
    ]);
    // The app's token was asked for ARM; the identity was not (its token would be of the wrong directory).
    expect(made[0]!.asked.map((a) => a.scopes)).toEqual([armScope]);
    expect(identity.asked).toEqual([]);
    // The assertion Entra is handed: the identity's own token for the token-exchange audience.
    expect(await made[0]!.getAssertion()).toBe(`mi-token-for:${tokenExchangeScope}`);
    expect(identity.asked).toEqual(['api://AzureADTokenExchange/.default']);
  });

  it('keeps one credential per customer directory, shared by its subscriptions', async () => {
    const made: Made[] = [];
    const credentials = new ArmCredentials({
      managedIdentity: new RecordingIdentity(),
      appClientId,
      directoryOf,
      directoryCredential: recordingFactory(made),
    });
    for (const subscription of [customer, customerToo, customer])
      await credentials.forSubscription(subscription).getToken(armScope);
    expect(made).toHaveLength(1);
    expect(made[0]!.asked).toHaveLength(3);
    expect(await credentials.credentialOf(customerToo)).toBe(await credentials.credentialOf(customer));
  });

  it("uses the managed identity itself in the deployment's own directory, passing its options on", async () => {
    const identity = new RecordingIdentity();
    const made: Made[] = [];
    const credentials = new ArmCredentials({
      managedIdentity: identity,
      appClientId,
      directoryOf,
      directoryCredential: recordingFactory(made),
    });
    expect(await credentials.credentialOf(own)).toBe(identity);
    const token = await credentials.forSubscription(own).getToken([armScope]);
    expect(token?.token).toBe(`mi-token-for:${armScope}`);
    expect(identity.asked).toEqual([[armScope]]);
    expect(made).toEqual([]);
  });

  it("has the pipeline ask again within the recheck, so a tenant's move to another directory is followed", async () => {
    let now = 1_000_000;
    const tenant: { directory?: string } = {};
    const made: Made[] = [];
    const identity = new RecordingIdentity(now + 24 * hour);
    const credentials = new ArmCredentials({
      managedIdentity: identity,
      appClientId,
      directoryOf: () => Promise.resolve(tenant.directory),
      directoryCredential: recordingFactory(made),
      recheckAfterInMs: 60_000,
      now: () => now,
    });
    const credential = credentials.forSubscription(own);
    const first = await credential.getToken(armScope);
    // A managed identity's token lasts up to a day; the client is told to come back in a minute.
    expect(first).toMatchObject({ expiresOnTimestamp: now + 24 * hour, refreshAfterTimestamp: now + 60_000 });
    now += 60_000;
    tenant.directory = directory;
    expect((await credential.getToken(armScope))?.token).toBe(`app-token@${directory}`);
  });

  it('hands out the same credential object per subscription, whatever its case', () => {
    const credentials = new ArmCredentials({
      managedIdentity: new RecordingIdentity(),
      appClientId,
      directoryOf,
    });
    expect(credentials.forSubscription(customer.toUpperCase())).toBe(credentials.forSubscription(customer));
    expect(credentialFor(credentials, own)).toBe(credentials.forSubscription(own));
  });

  it("signs in to a customer's directory with @azure/identity's ClientAssertionCredential by default", async () => {
    expect(
      clientAssertionCredential(directory, appClientId, () => Promise.resolve('assertion')),
    ).toBeInstanceOf(ClientAssertionCredential);
    const credentials = new ArmCredentials({
      managedIdentity: new RecordingIdentity(),
      appClientId,
      directoryOf,
    });
    expect(await credentials.credentialOf(customer)).toBeInstanceOf(ClientAssertionCredential);
  });
});

describe('createArmCredential', () => {
  const claims: DiskScopeClaim[] = [
    {
      tenantId: 't',
      scopes: [{ kind: 'managedDisk', armScope: `/subscriptions/${customer}` }],
      azureDirectoryId: directory,
    },
  ];

  it('without the app registration, is the managed identity for every subscription and reads nothing', () => {
    const identity = new RecordingIdentity();
    let reads = 0;
    const credential = createArmCredential({
      managedIdentity: identity,
      claims: () => {
        reads += 1;
        return Promise.resolve(claims);
      },
    });
    expect(credential).toBe(identity);
    expect(credentialFor(credential, customer)).toBe(identity);
    expect(reads).toBe(0);
  });

  it("with it, follows the tenants' claims: the customer's subscription as the app, another as the identity", async () => {
    const identity = new RecordingIdentity();
    const made: Made[] = [];
    const credential = createArmCredential({
      managedIdentity: identity,
      appClientId,
      claims: () => Promise.resolve(claims),
      directoryCredential: recordingFactory(made),
    });
    expect((await credentialFor(credential, customer).getToken(armScope))?.token).toBe(
      `app-token@${directory}`,
    );
    expect((await credentialFor(credential, own).getToken(armScope))?.token).toBe(`mi-token-for:${armScope}`);
    expect(made.map((m) => m.directoryId)).toEqual([directory]);
  });
});
