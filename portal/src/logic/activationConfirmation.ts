/**
 * What the admin types before the Activate button is enabled: the name of what the activation
 * will take over, so the confirmation is a check of the target, not a reflex.
 *
 * - A region (or tiers within a region): the region's name — the thing that is down.
 * - A pasted device list, or tiers across every region: the tenant's name. These scopes name no
 *   region, and the costly mistake left is activating in the wrong tenant (an admin of several
 *   tenants, a stale tab); typing the tenant's name catches that. If the tenant's name could not
 *   be read, the word ACTIVATE, so the admin is never stuck.
 *
 * The phrase must be typed exactly (surrounding spaces aside): a near miss is not a confirmation.
 */
import type { ActivationScope } from './activationTypes';

export const fallbackPhrase = 'ACTIVATE';

export interface ConfirmationRule {
  /** What to type. */
  phrase: string;
  /** What the phrase is, for the field's label: "the region's name". */
  what: string;
}

export function confirmationRule(scope: ActivationScope, tenantName: string | undefined): ConfirmationRule {
  const region = scope.kind === 'devices' ? undefined : scope.region;
  if (region) return { phrase: region, what: "the region's name" };
  const name = tenantName?.trim();
  if (name) return { phrase: name, what: "the tenant's name" };
  return { phrase: fallbackPhrase, what: 'the word' };
}

export function isConfirmed(typed: string, rule: ConfirmationRule): boolean {
  return typed.trim() === rule.phrase;
}
