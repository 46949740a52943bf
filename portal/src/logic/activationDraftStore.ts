/**
 * The activation form survives a reload of the tab (sessionStorage): in an outage a browser that
 * reloads must not cost the admin a pasted list of devices. With the same draft the same
 * Idempotency-Key is found again (idempotencyKeys.ts), so the reload cannot start a second
 * activation either.
 */
import { allTiers, emptyDraft, type ActivationDraft } from './activationForm';
import type { KeyStore } from './idempotencyKeys';

const storageKey = 'clouddr.activationDraft';

export function loadDraft(store: Pick<KeyStore, 'getItem'>): ActivationDraft {
  const raw = store.getItem(storageKey);
  if (!raw) return emptyDraft;
  try {
    const saved = JSON.parse(raw) as Partial<Record<keyof ActivationDraft, unknown>>;
    const text = (value: unknown, fallback: string) => (typeof value === 'string' ? value : fallback);
    const kind = saved.scopeKind;
    return {
      scopeKind: kind === 'region' || kind === 'tiers' || kind === 'devices' ? kind : emptyDraft.scopeKind,
      region: text(saved.region, ''),
      tiers: Array.isArray(saved.tiers)
        ? saved.tiers.filter((t): t is number => (allTiers as readonly unknown[]).includes(t))
        : [],
      tiersRegion: text(saved.tiersRegion, ''),
      deviceText: text(saved.deviceText, ''),
      recoverFirstText: text(saved.recoverFirstText, ''),
      waveDeadlineMinutes: text(saved.waveDeadlineMinutes, emptyDraft.waveDeadlineMinutes),
    };
  } catch {
    return emptyDraft;
  }
}

export function saveDraft(store: Pick<KeyStore, 'setItem'>, draft: ActivationDraft): void {
  store.setItem(storageKey, JSON.stringify(draft));
}

/** After the activation started: the next form starts empty. */
export function clearDraft(store: Pick<KeyStore, 'removeItem'>): void {
  store.removeItem(storageKey);
}
