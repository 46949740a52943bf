/**
 * The Azure orchestration client, through the durable-functions SDK's own client (from
 * `df.getClient` on the framework's `InvocationContext`), against a stand-in for the Durable
 * extension's HTTP API that answers a start as the extension does with
 * `overridableExistingInstanceStates: NonRunningStates`: an instance that is still pending or
 * running is refused (409 from current extensions, a 500 carrying DurableTask.AzureStorage's
 * InvalidOperationException from older 2.x ones, as in HttpApiHandler.HandleStartOrchestratorRequestAsync);
 * a finished one is replaced. The extension itself cannot run in this process.
 */
import { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DurableOrchestrationClient } from '../../../src/adapters/durable/DurableOrchestrationClient';

type Refusal = 'conflict' | 'legacyInvalidOperation';

class ExtensionStandIn {
  readonly instances = new Map<string, { status: string; input: unknown }>();
  /** Every start the extension accepted (a new instance or a replaced finished one), by id. */
  readonly created: string[] = [];
  refusal: Refusal = 'conflict';
  /** When set, every request fails as a store outage would. */
  unavailable = false;

  handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    if (this.unavailable)
      return reply(res, 500, { Message: 'Something went wrong while processing your request' });
    const start = /^\/durabletask\/orchestrators\/([^/]+)\/([^/?]+)/.exec(req.url ?? '');
    if (req.method !== 'POST' || !start) return reply(res, 404, {});
    const instanceId = decodeURIComponent(start[2]!);
    const existing = this.instances.get(instanceId);
    // The check and the write are one step here, as in the extension's own store.
    if (existing && ['Pending', 'Running', 'ContinuedAsNew', 'Suspended'].includes(existing.status)) {
      const message = `An Orchestration instance with the status ${existing.status} already exists.`;
      return this.refusal === 'conflict'
        ? reply(res, 409, { Message: message })
        : reply(res, 500, {
            Message: 'Something went wrong while processing your request',
            ExceptionMessage: message,
            ExceptionType: 'System.InvalidOperationException',
          });
    }
    this.instances.set(instanceId, {
      status: 'Pending',
      input: body ? (JSON.parse(body) as unknown) : undefined,
    });
    this.created.push(instanceId);
    reply(res, 202, { id: instanceId });
  }
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const extension = new ExtensionStandIn();
let server: Server;
let client: DurableOrchestrationClient;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => extension.handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const input = df.input.durableClient();
  const context = new InvocationContext({ options: { extraInputs: [input] } });
  const origin = `http://127.0.0.1:${port}`;
  context.extraInputs.set(input, {
    taskHubName: 'hub',
    creationUrls: {},
    managementUrls: {},
    baseUrl: `${origin}/durabletask`,
    requiredQueryStringParameters: '',
    rpcBaseUrl: `${origin}/durabletask/`,
  });
  client = new DurableOrchestrationClient(df.getClient(context));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  extension.instances.clear();
  extension.created.length = 0;
  extension.refusal = 'conflict';
  extension.unavailable = false;
});

describe('DurableOrchestrationClient.startNew', () => {
  it('has the Functions host keep the extension from replacing a running instance (host.json)', () => {
    const host = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'host.json'), 'utf8')) as {
      extensions: { durableTask: { overridableExistingInstanceStates?: string } };
    };
    expect(host.extensions.durableTask.overridableExistingInstanceStates).toBe('NonRunningStates');
  });

  it.each<Refusal>(['conflict', 'legacyInvalidOperation'])(
    'started twice at once with one id, creates one instance and returns the id to both (%s)',
    async (refusal) => {
      extension.refusal = refusal;
      const started = await Promise.all([
        client.startNew('driver', { instanceId: 'a-1', input: { n: 1 } }),
        client.startNew('driver', { instanceId: 'a-1', input: { n: 2 } }),
      ]);
      expect(started).toEqual(['a-1', 'a-1']);
      expect(extension.created).toEqual(['a-1']);
    },
  );

  it('leaves a running instance as it is', async () => {
    extension.instances.set('a-2', { status: 'Running', input: { n: 1 } });
    expect(await client.startNew('driver', { instanceId: 'a-2', input: { n: 2 } })).toBe('a-2');
    expect(extension.created).toEqual([]);
    expect(extension.instances.get('a-2')).toEqual({ status: 'Running', input: { n: 1 } });
  });

  it.each(['Completed', 'Failed', 'Terminated'])('starts again over a %s instance', async (status) => {
    extension.instances.set('a-3', { status, input: { n: 1 } });
    expect(await client.startNew('driver', { instanceId: 'a-3', input: { n: 2 } })).toBe('a-3');
    expect(extension.instances.get('a-3')).toEqual({ status: 'Pending', input: { n: 2 } });
  });

  it('passes on any other failure', async () => {
    extension.unavailable = true;
    await expect(client.startNew('driver', { instanceId: 'a-4' })).rejects.toThrow(/status code: 500/);
  });
});
