/** ARM resource ids: building them, and a case-insensitive key (ARM ids compare without case; the spec example's sourceResourceId even lacks the leading slash). */
export type ComputeType = 'disks' | 'snapshots' | 'virtualMachines';

export interface ResourceRef {
  subscriptionId: string;
  resourceGroup: string;
  type: ComputeType;
  name: string;
}

export function resourceId(ref: ResourceRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Compute/${ref.type}/${ref.name}`;
}

export function idKey(id: string): string {
  return `/${id.replace(/^\/+/, '')}`.toLowerCase();
}

const ID_PATTERN =
  /^\/?subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(disks|snapshots|virtualMachines)\/([^/]+)$/i;

export function parseResourceId(id: string): ResourceRef | undefined {
  const match = ID_PATTERN.exec(id);
  if (!match) return undefined;
  const [, subscriptionId, resourceGroup, type, name] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const canonical = (['disks', 'snapshots', 'virtualMachines'] as const).find(
    (t) => t.toLowerCase() === type.toLowerCase(),
  );
  if (!canonical) return undefined;
  return { subscriptionId, resourceGroup, type: canonical, name: decodeURIComponent(name) };
}
