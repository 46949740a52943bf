/**
 * Long-running operations as the Disk RP runs them (rules arm.lro.*): the first answer is 202
 * with Azure-AsyncOperation (…/locations/{l}/DiskOperations/{id}) and Location (the same URL with
 * monitor=true); the first answers { status: "InProgress" } until done, then "Succeeded" with the
 * result in properties.output; the second answers 202 until done, then 200 with the result.
 */
import { randomUUID } from 'node:crypto';
import type { ArmError } from './armError';

export interface Operation {
  id: string;
  subscriptionId: string;
  location: string;
  startedAt: number;
  doneAt: number;
  /** The result when done (resource, { accessSAS }, or undefined for none). */
  output: () => unknown;
  failure: ArmError | undefined;
  /** Which resource provider's operation URL it has (issue 29): Disk RP (default), Compute, Network. */
  provider?: 'disk' | 'compute' | 'network';
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class OperationBook {
  private readonly operations = new Map<string, Operation>();

  constructor(private readonly endpoint: () => string) {}

  start(args: Omit<Operation, 'id' | 'failure'> & { failure?: ArmError }): Operation {
    const operation: Operation = { ...args, id: randomUUID(), failure: args.failure };
    this.operations.set(operation.id, operation);
    return operation;
  }

  /** The 202 that starts an LRO, with both polling headers. */
  accepted(operation: Operation, apiVersion: string, body?: unknown, status = 202): HandlerResult {
    const location = encodeURIComponent(operation.location);
    const sub = `${this.endpoint()}/subscriptions/${operation.subscriptionId}/providers`;
    const path =
      operation.provider === 'compute'
        ? `${sub}/Microsoft.Compute/locations/${location}/operations/${operation.id}`
        : operation.provider === 'network'
          ? `${sub}/Microsoft.Network/locations/${location}/operations/${operation.id}`
          : `${sub}/Microsoft.Compute/locations/${location}/DiskOperations/${operation.id}`;
    const base = `${path}?p=${operation.id}&api-version=${apiVersion}`;
    return {
      status,
      body,
      headers: { 'Azure-AsyncOperation': base, Location: `${base}&monitor=true` },
    };
  }

  get(id: string): Operation | undefined {
    return this.operations.get(id);
  }

  /** GET on the Azure-AsyncOperation URL. */
  status(operation: Operation, now: number): HandlerResult {
    const head = { name: operation.id, startTime: new Date(operation.startedAt).toISOString() };
    if (now < operation.doneAt) return { status: 200, body: { ...head, status: 'InProgress' } };
    const endTime = new Date(operation.doneAt).toISOString();
    if (operation.failure)
      return {
        status: 200,
        body: { ...head, endTime, status: 'Failed', error: operation.failure.body().error },
      };
    const output = operation.output();
    return {
      status: 200,
      body: {
        ...head,
        endTime,
        status: 'Succeeded',
        ...(output !== undefined ? { properties: { output } } : {}),
      },
    };
  }

  /** GET on the Location (monitor=true) URL. */
  monitor(operation: Operation, now: number, selfUrl: string): HandlerResult {
    if (now < operation.doneAt) return { status: 202, headers: { Location: selfUrl } };
    if (operation.failure) return { status: operation.failure.status, body: operation.failure.body() };
    const output = operation.output();
    return output === undefined ? { status: 200 } : { status: 200, body: output };
  }
}
