/**
 * The CopyStart slot ids of a managed-disk point's copies. A slot's release is final (the
 * CopySlots port refuses a released id), yet a failed, stuck or unverifiable copy is removed (its
 * slot released) and its point's copy started again under the same target snapshot. So each start
 * is a generation of the point's copy with an id of its own, derived from the target snapshot and
 * the generation alone: duplicate messages and both control-plane regions find the same generation
 * (the first whose id the slots have not seen released) and ask under the same id. The generation
 * a copy started under is recorded with its point, so its check, its end and its removal release
 * that very id.
 */
import { parseArmResourceId } from '../../domain/armId';
import { DomainError } from '../../domain/errors';
import { PointMetadata } from '../blob/restorePointMetadata';
import type { CopySlotKey, CopySlots, SlotWake } from '../../ports/CopySlots';

/**
 * Starts of one point's copy before it is given up here: far above the worker's attempts per slot
 * (5), so only a runaway loop reaches it; each released generation costs a start one more request.
 */
export const maxCopyGenerations = 20;

/** Generation 0 is the target's id alone: the id copies recorded before generations existed hold. */
export function copyIdOf(targetId: string, generation: number): string {
  const id = targetId.toLowerCase();
  return generation === 0 ? id : `${id}#${generation}`;
}

/** The generation a recorded copy started under (0 when the record predates generations). */
export function recordedGeneration(metadata: Readonly<Record<string, string>>): number {
  const generation = Number(metadata[PointMetadata.copyGeneration] ?? '0');
  return Number.isInteger(generation) && generation >= 0 ? generation : 0;
}

export function isSlotReleased(err: unknown): boolean {
  return err instanceof DomainError && err.code === 'copy-slot-released';
}

export type CopySlotAnswer =
  { state: 'granted' | 'waiting'; generation: number } | { state: 'exhausted'; generations: number };

/** Asks for a slot under the point's current generation: the first not yet released. */
export async function requestCopySlot(
  slots: CopySlots,
  key: CopySlotKey,
  targetId: string,
  wake?: SlotWake,
): Promise<CopySlotAnswer> {
  for (let generation = 0; generation < maxCopyGenerations; generation += 1) {
    try {
      return { state: await slots.request(key, copyIdOf(targetId, generation), wake), generation };
    } catch (err) {
      if (!isSlotReleased(err)) throw err;
    }
  }
  return { state: 'exhausted', generations: maxCopyGenerations };
}

/**
 * Releases the point's copy slot under every generation it may have asked under, waiting or
 * granted or never asked (a release without a request leaves a tombstone): its requests stop
 * holding or waiting for a slot, and a later request for the point finds every generation
 * released and is refused (`exhausted`). Idempotent: a release is.
 */
export async function releaseEveryGeneration(
  slots: CopySlots,
  key: CopySlotKey,
  targetId: string,
): Promise<void> {
  await Promise.all(
    Array.from({ length: maxCopyGenerations }, (_, generation) =>
      slots.release(key, copyIdOf(targetId, generation)),
    ),
  );
}

/** The CopyStart key of a copy: its target's subscription and region. */
export function slotKeyOf(targetId: string, region: string): CopySlotKey | undefined {
  const id = parseArmResourceId(targetId);
  return id ? { subscriptionId: id.subscriptionId.toLowerCase(), targetRegion: region } : undefined;
}
