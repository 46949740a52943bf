/**
 * Requests a phase made, per device, for the report: by destination, kind and resource, with the
 * orchestration driver's task hub counted apart, and compared kind by kind with its floor's.
 */
import { taskHubResourceNames } from '../src/local/durable/openTaskHub';
import { perDevice, type RequestTally } from './requestCounter';
import type { KindDifference, PhaseRequests } from './runDetails';
import { round, roundAll } from './stats';

export function phaseRequests(tally: RequestTally, devices: number, taskHub: string): PhaseRequests {
  const hub = taskHubResources(taskHub);
  const hubRequests = Object.entries(tally.byResource)
    .filter(([key]) => hub.has(resourceOfKey(key)))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    perDevice: roundAll(perDevice(tally.byDestination, devices), 4),
    perDeviceByKind: roundAll(perDevice(tally.byKind, devices), 4),
    perDeviceByResource: roundAll(perDevice(tally.byResource, devices), 4),
    taskHubPerDevice: round(hubRequests / devices, 4),
    meanBytesByKind: Object.fromEntries(
      Object.entries(tally.bytesByKind).map(([kind, bytes]) => [
        kind,
        Math.round(bytes / (tally.byKind[kind] ?? 1)),
      ]),
    ),
    total: tally.total,
    retriesByKind: tally.retriesByKind,
    excluded: tally.excluded,
  };
}

/**
 * The orchestration driver's table and queues (`taskHubResourceNames`), and the table service's
 * batch endpoint (`/{account}/$batch`), which only the task hub uses here.
 */
function taskHubResources(taskHub: string): Set<string> {
  const names = taskHubResourceNames(taskHub);
  return new Set([names.table, names.controlQueue, names.workItemQueue, '$batch']);
}

/** `blob:restore-points:snapshot` → `restore-points`. */
function resourceOfKey(key: string): string {
  return key.slice(key.indexOf(':') + 1, key.lastIndexOf(':'));
}

/** The phase's storage requests by kind without those of the task hub: the per-device path alone. */
export function withoutTaskHub(requests: PhaseRequests, taskHub: string): PhaseRequests {
  const hub = taskHubResources(taskHub);
  const byKind: Record<string, number> = {};
  for (const [key, n] of Object.entries(requests.perDeviceByResource)) {
    if (hub.has(resourceOfKey(key))) continue;
    const kind = `${key.slice(0, key.indexOf(':'))}:${key.slice(key.lastIndexOf(':') + 1)}`;
    byKind[kind] = round((byKind[kind] ?? 0) + n, 4);
  }
  return { ...requests, perDeviceByKind: byKind };
}

/** Blob, queue and table requests per device. */
export function storagePerDevice(requests: PhaseRequests): number {
  return requests.perDevice.blob + requests.perDevice.queue + requests.perDevice.table;
}

/** Blob and queue kinds whose per-device counts differ by more than 0.01 between a phase and its floor. */
export function storageDifferences(cycle: PhaseRequests, floor: PhaseRequests): KindDifference[] {
  const kinds = new Set(
    [...Object.keys(cycle.perDeviceByKind), ...Object.keys(floor.perDeviceByKind)].filter(
      (k) => !k.startsWith('cosmos:') && !k.startsWith('http:'),
    ),
  );
  return [...kinds]
    .sort()
    .map((kind) => ({
      kind,
      cycle: cycle.perDeviceByKind[kind] ?? 0,
      floor: floor.perDeviceByKind[kind] ?? 0,
    }))
    .filter((d) => Math.abs(d.cycle - d.floor) > 0.01);
}
