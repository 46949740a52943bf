/**
 * Counts the ARM calls a process sends, by kind (`PUT virtualMachines`, `GET virtualMachines
 * (list)`…) and by bucket (read, write, delete), and the 429s among them: a pipeline policy placed
 * after the pacer (`perRetry`), so every attempt — each SDK retry too — is counted once.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { kindOf } from '../src/adapters/arm/pacing/armCall';

export interface ArmCallCounts {
  byCall: Record<string, number>;
  byKind: { read: number; write: number; delete: number };
  throttled: number;
}

/** `PUT virtualMachines`, `GET disks (list)`, `GET skus (list)`, `GET operations`… */
export function callLabel(method: string, url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const segments = path.split('/').filter(Boolean);
  const providers = segments.findIndex((s) => s.toLowerCase() === 'providers');
  if (providers < 0) return `${method} ${segments.slice(-1)[0] ?? '/'}`;
  // providers/{namespace}/{type}[/{name}[/{childType}[/{childName}]]]
  const rest = segments.slice(providers + 2);
  const types = rest.filter((_, i) => i % 2 === 0);
  const type = types.join('/');
  const isList = rest.length % 2 === 1;
  return `${method} ${type}${isList ? ' (list)' : ''}`;
}

export function armCallCounter(): { policy: PipelinePolicy; counts: ArmCallCounts } {
  const counts: ArmCallCounts = { byCall: {}, byKind: { read: 0, write: 0, delete: 0 }, throttled: 0 };
  return {
    counts,
    policy: {
      name: 'benchArmCallCounter',
      async sendRequest(request, next) {
        const label = callLabel(request.method, request.url);
        counts.byCall[label] = (counts.byCall[label] ?? 0) + 1;
        counts.byKind[kindOf(request.method)] += 1;
        const response = await next(request);
        if (response.status === 429) counts.throttled += 1;
        return response;
      },
    },
  };
}
