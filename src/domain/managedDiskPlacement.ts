/**
 * Where a managed disk's restore points go and what they are called: pure rules, so every retry,
 * duplicate message and both control-plane regions reach the same answer without asking anyone.
 */
import { armIdsEqual } from './armId';
import { stableHash32 } from './rpo';

/**
 * The resource group of the backup region a device's points go to, among the tenant's groups
 * there: rendezvous (highest-random-weight) hashing of (tenant, device, group). Adding a group moves
 * only the devices that group now wins (about 1 in n+1 of them), and removing one moves only its
 * own; every other device stays where its chain is. Undefined when there is no group.
 */
export function backupResourceGroupFor(
  tenantId: string,
  deviceId: string,
  groups: readonly string[],
): string | undefined {
  let best: { group: string; score: number; key: string } | undefined;
  for (const group of groups) {
    const key = group.toLowerCase();
    const score = stableHash32(`${tenantId.toLowerCase()}|${deviceId}|${key}`);
    if (!best || score > best.score || (score === best.score && key < best.key)) best = { group, score, key };
  }
  return best?.group;
}

/**
 * A device's groups: its current group while it is still one of the tenant's (a move would make
 * the next copy a full one: only changes since the last snapshot in the target region travel),
 * else the rendezvous choice.
 */
export function stickyBackupResourceGroup(
  tenantId: string,
  deviceId: string,
  groups: readonly string[],
  current: string | undefined,
): string | undefined {
  if (current) {
    const kept = groups.find((group) => armIdsEqual(group, current));
    if (kept) return kept;
  }
  return backupResourceGroupFor(tenantId, deviceId, groups);
}

/** 16 hex digits standing for (tenant, device): two independent 32-bit hashes. */
function deviceKey(tenantId: string, deviceId: string): string {
  const tenant = tenantId.toLowerCase();
  const a = stableHash32(`${tenant}|${deviceId}`);
  const b = stableHash32(`${deviceId}|${tenant}|b`);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/**
 * The name of the slot's snapshot in the primary region (`source`) and of its copy in the backup
 * region (`copy`): `cpdr-{device key}-{slot ms}-{s|c}`, at most 35 characters (ARM allows 80), the
 * same for every worker on the slot. Tags carry tenant, device and slot in the clear.
 */
export function managedSnapshotName(
  tenantId: string,
  deviceId: string,
  takenAt: Date,
  role: 'source' | 'copy',
): string {
  const ms = takenAt.getTime();
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError(`takenAt ${String(takenAt)} is not a slot time`);
  return `cpdr-${deviceKey(tenantId, deviceId)}-${ms}-${role === 'source' ? 's' : 'c'}`;
}

/** The tags every snapshot of the slot carries: what reconciliation reads, never the catalogue. */
export function managedSnapshotTags(
  tenantId: string,
  deviceId: string,
  takenAt: Date,
): Record<string, string> {
  return {
    'clouddr-tenant': tenantId.toLowerCase(),
    'clouddr-device': deviceId,
    'clouddr-slot': takenAt.toISOString(),
  };
}

/**
 * Whether the slot's point has its content compared (sampled ranges through SAS): 1 in `every`,
 * decided by (tenant, device, slot) so retries and both regions agree. `every` ≤ 1 compares all.
 */
export function contentSampled(tenantId: string, deviceId: string, takenAt: Date, every: number): boolean {
  if (every <= 1) return true;
  return stableHash32(`${tenantId.toLowerCase()}|${deviceId}|${takenAt.getTime()}|content`) % every === 0;
}
