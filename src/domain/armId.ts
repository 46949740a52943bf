/**
 * ARM resource ids: `/subscriptions/{id}/resourceGroups/{group}/providers/{namespace}/{type}/{name}`.
 * ARM compares ids without regard to case, segment by segment: `rg-a` and `RG-A` are one group,
 * `rg-a` and `rg-ab` are two.
 */

export interface ArmResourceId {
  subscriptionId: string;
  resourceGroup: string;
  /** `Microsoft.Compute/disks`, as written. */
  type: string;
  name: string;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const groupName = /^[-\w.()]{0,89}[-\w()]$/;

/** The lower-cased, non-empty segments of an ARM path: what comparisons use. */
export function armSegments(path: string): string[] {
  return path
    .toLowerCase()
    .split('/')
    .filter((segment) => segment !== '');
}

/** Whether `scope` (a subscription, a resource group, any ARM path) holds `id` or is it. */
export function armPathContains(scope: string, id: string): boolean {
  const outer = armSegments(scope);
  const inner = armSegments(id);
  return outer.length <= inner.length && outer.every((segment, i) => segment === inner[i]);
}

export function armIdsEqual(a: string, b: string): boolean {
  const left = armSegments(a);
  const right = armSegments(b);
  return left.length === right.length && left.every((segment, i) => segment === right[i]);
}

/** Parses a resource id of the shape above; undefined for any other shape. */
export function parseArmResourceId(id: string): ArmResourceId | undefined {
  const parts = id.split('/');
  if (parts.length !== 9 || parts[0] !== '') return undefined;
  const [, subs, subscriptionId, groups, resourceGroup, providers, namespace, type, name] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (
    subs.toLowerCase() !== 'subscriptions' ||
    !guid.test(subscriptionId) ||
    groups.toLowerCase() !== 'resourcegroups' ||
    !groupName.test(resourceGroup) ||
    providers.toLowerCase() !== 'providers' ||
    !/^[A-Za-z][\w.]*$/.test(namespace) ||
    !/^[A-Za-z]\w*$/.test(type) ||
    !/^[\w][-\w.]{0,79}$/.test(name)
  )
    return undefined;
  return { subscriptionId, resourceGroup, type: `${namespace}/${type}`, name };
}

/** A managed disk's id, or undefined when the id names something else. */
export function parseManagedDiskId(id: string): ArmResourceId | undefined {
  const parsed = parseArmResourceId(id);
  return parsed?.type.toLowerCase() === 'microsoft.compute/disks' ? parsed : undefined;
}

/** A resource group's id (`/subscriptions/{id}/resourceGroups/{name}`), parsed; undefined otherwise. */
export function parseResourceGroupId(
  id: string,
): { subscriptionId: string; resourceGroup: string } | undefined {
  const parts = id.split('/');
  if (parts.length !== 5 || parts[0] !== '') return undefined;
  const [, subs, subscriptionId, groups, resourceGroup] = parts as [string, string, string, string, string];
  if (
    subs.toLowerCase() !== 'subscriptions' ||
    !guid.test(subscriptionId) ||
    groups.toLowerCase() !== 'resourcegroups' ||
    !groupName.test(resourceGroup)
  )
    return undefined;
  return { subscriptionId, resourceGroup };
}

/** The subscription an ARM path names (`/subscriptions/{id}/…`), lower-case; undefined for another shape. */
export function subscriptionOfArmId(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase();
}

export function resourceGroupId(subscriptionId: string, resourceGroup: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

export function snapshotId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${resourceGroupId(subscriptionId, resourceGroup)}/providers/Microsoft.Compute/snapshots/${name}`;
}
