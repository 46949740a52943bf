/**
 * How the ARM clients, made one per subscription, get their credential: one for the whole process
 * (a single directory, tests), or one chosen per subscription (`ArmCredentials`: the directory the
 * subscription is in decides the principal).
 */
import type { TokenCredential } from '@azure/core-auth';

/** A credential per subscription: the principal that may act in the subscription's directory. */
export interface SubscriptionCredentials {
  forSubscription(subscriptionId: string): TokenCredential;
}

/** What an ARM client's options carry: one credential for every subscription, or a chooser. */
export type ArmCredential = TokenCredential | SubscriptionCredentials;

/** The credential a client of `subscriptionId` is made with. */
export function credentialFor(credential: ArmCredential, subscriptionId: string): TokenCredential {
  return 'forSubscription' in credential ? credential.forSubscription(subscriptionId) : credential;
}
