/**
 * Every kind of ARM client the product makes per subscription (Compute, Network, Desktop
 * Virtualization, Authorization) signs its calls with the principal of that subscription's
 * directory. The real clients call the local ARM double, which records the principal of each
 * call's token; the customer directory's sign-in, which needs Entra, is stood in for by the
 * double's own credential for the app's principal there.
 */
import type { TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComputeClients } from '../../../src/adapters/arm/createComputeClient';
import { AvdClients } from '../../../src/adapters/avd/createAvdClients';
import { NetworkClients } from '../../../src/adapters/compute/azure/networkClients';
import { ArmCredentials } from '../../../src/adapters/identity/ArmCredentials';
import { CONTROL_PLANE_PRINCIPAL, startArmDouble, type ArmDouble } from '../../support/arm/startArmDouble';

const own = 'aaaaaaaa-0000-4000-8000-0000000000a1';
const customer = 'bbbbbbbb-0000-4000-8000-0000000000b2';
const directory = 'dddddddd-0000-4000-8000-00000000000d';
const appClientId = 'c11e0000-0000-4000-8000-0000000000a9';
const appPrincipal = `app-${appClientId}@${directory}`;

describe('ARM clients per subscription', () => {
  let double: ArmDouble;
  let credentials: ArmCredentials;
  const assertions: string[] = [];
  /** What the managed identity was asked for, and the token it gave for the exchange audience. */
  const identityScopes: string[] = [];
  let exchangeToken = '';

  beforeAll(async () => {
    double = await startArmDouble({ timeScale: 60 });
    const identity: TokenCredential = {
      getToken: async (scopes, options) => {
        identityScopes.push(String(scopes));
        const token = await double.credential.getToken(scopes, options);
        if (String(scopes) === 'api://AzureADTokenExchange/.default') exchangeToken = token!.token;
        return token;
      },
    };
    credentials = new ArmCredentials({
      managedIdentity: identity,
      appClientId,
      directoryOf: (subscriptionId) =>
        Promise.resolve(subscriptionId.toLowerCase() === customer ? directory : undefined),
      directoryCredential: (directoryId, clientId, getAssertion) => {
        const app = double.credentialFor(`app-${clientId}@${directoryId}`);
        return {
          // As ClientAssertionCredential does: the assertion first, then the app's token.
          getToken: async (scopes, options) => {
            assertions.push(await getAssertion());
            return await app.getToken(scopes, options);
          },
        };
      },
    });
  });
  afterAll(async () => await double?.close());

  /**
   * Who signed the calls `call` made (one call at a time, so every call the double counted meanwhile
   * is its own; a 404 of a resource the double does not hold still reached it, signed).
   */
  async function signers(call: () => Promise<unknown>): Promise<string[]> {
    const counts = () =>
      new Map(
        double.stats().callsBy.map((c) => [`${c.principalId}|${c.subscriptionId}|${c.method}`, c.count]),
      );
    const before = counts();
    await call().catch(() => undefined);
    return [
      ...new Set(
        [...counts()]
          .filter(([key, count]) => count > (before.get(key) ?? 0))
          .map(([key]) => key.split('|')[0]!),
      ),
    ];
  }

  it.each([
    ['own', own, CONTROL_PLANE_PRINCIPAL],
    ['customer', customer, appPrincipal],
  ])(
    'sign every call to the %s directory as its principal, whichever client makes it',
    async (_, subscription, principal) => {
      const options = { credential: credentials, ...double.clientOptions() };
      const compute = new ComputeClients(options);
      const network = new NetworkClients(options);
      const avd = new AvdClients(options);
      await double.seedDisk({
        subscriptionId: subscription,
        resourceGroup: 'rg-desktops',
        name: 'pc-os',
        location: 'westeurope',
        sizeGB: 16,
        osType: 'Windows',
        hyperVGeneration: 'V2',
      });
      const calls: [string, () => Promise<unknown>][] = [
        ['compute', () => compute.for(subscription).disks.get('rg-desktops', 'pc-os')],
        [
          'network',
          async () => {
            for await (const _nic of network.for(subscription).networkInterfaces.list('rg-dr')) break;
          },
        ],
        [
          'desktop virtualization',
          () => avd.desktopVirtualization(subscription).hostPools.get('rg-dr', 'pool'),
        ],
        [
          'authorization',
          async () => {
            const scope = `/subscriptions/${subscription}/resourceGroups/rg-dr`;
            for await (const _assignment of avd
              .authorizationFor(subscription)
              .roleAssignments.listForScope(scope))
              break;
          },
        ],
      ];
      for (const [client, call] of calls) expect(await signers(call), client).toEqual([principal]);
      expect((await compute.for(subscription).disks.get('rg-desktops', 'pc-os')).name).toBe('pc-os');
    },
  );

  it("handed the customer app's sign-in the identity's own token for the exchange audience", () => {
    expect(assertions.length).toBeGreaterThanOrEqual(1);
    expect(new Set(assertions)).toEqual(new Set([exchangeToken]));
    expect(identityScopes).toContain('api://AzureADTokenExchange/.default');
  });
});
