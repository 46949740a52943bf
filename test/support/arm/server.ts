/**
 * The double's HTTPS front door, in ARM's order: bearer token (401 without one), the caller's
 * region's unreachable/latency faults, ARM's token buckets (429 with Retry-After), injected
 * resource-provider answers, then the resource provider itself. Every authenticated answer
 * carries the remaining-count headers for its operation kind (rule arm.throttle.headers).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ArmError, refuse } from './armError';
import type { ArmContext } from './context';
import type { HandlerResult } from './operations';
import { serveSas } from './sasHandler';
import { operationKind, type Throttler } from './throttler';
import type { TokenIssuer } from './tokens';
import { subscriptionOf, type Router } from './router';

export interface ServerParts {
  ctx: ArmContext;
  router: Router;
  throttler: Throttler;
  tokens: TokenIssuer;
  throttling: 'enforce' | 'count';
}

export class ArmServer {
  readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Requests held by an unreachable region: region → responses to drop when it comes back or the double closes. */
  private readonly held = new Map<string, Set<ServerResponse>>();

  constructor(
    tls: { key: string; cert: string },
    private readonly parts: ServerParts,
  ) {
    this.server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      void this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(error) } }));
        }
      });
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    parts.ctx.faults.onRegionRestored = (region) => this.release(region);
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('The ARM double has no port');
    return address.port;
  }

  async close(): Promise<void> {
    for (const region of [...this.held.keys()]) this.release(region);
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private release(region: string): void {
    for (const res of this.held.get(region) ?? []) res.socket?.destroy();
    this.held.delete(region);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { ctx, router, throttler, tokens, throttling } = this.parts;
    const url = new URL(req.url ?? '/', ctx.endpoint());
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);

    const sas = /^\/sas\/([0-9a-f]+)$/.exec(url.pathname);
    if (sas)
      return this.write(
        res,
        serveSas(ctx, sas[1] as string, method, header(req, 'x-ms-range') ?? header(req, 'range')),
        {},
      );

    const requestId = randomUUID();
    const base = {
      'x-ms-request-id': requestId,
      'x-ms-correlation-request-id': header(req, 'x-ms-correlation-request-id') ?? requestId,
    };

    const auth = header(req, 'authorization');
    const bearer = auth && /^Bearer\s+(.+)$/i.exec(auth)?.[1];
    if (!bearer) {
      ctx.stats.unauthenticated();
      const error = refuse(
        'arm.auth.missing',
        "Authentication failed. The 'Authorization' header is missing.",
      );
      return this.write(res, errorResult(error), {
        ...base,
        'WWW-Authenticate':
          'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
      });
    }
    const caller = tokens.verify(bearer);
    if (!caller) {
      ctx.stats.unauthenticated();
      return this.write(res, errorResult(refuse('arm.auth.invalid', 'The access token is invalid.')), base);
    }

    let body: unknown;
    try {
      body = raw.length ? JSON.parse(raw) : undefined;
    } catch {
      return this.write(
        res,
        errorResult(refuse('arm.badRequest', 'The request body is not valid JSON.')),
        base,
      );
    }
    const request = { method, path: url.pathname, query: url.searchParams, body, selfUrl: url.toString() };
    const subscriptionId = subscriptionOf(url.pathname) ?? '-';
    ctx.stats.call(caller.principalId, subscriptionId, caller.callerRegion, method);

    // The region is looked up only when an unreachable-region rule asks for it: for a list it
    // walks the group's records, a cost per call that grew with the fleet (recovery-arm, 50,000).
    let location: { value: string | undefined } | undefined;
    const facts = {
      method,
      path: url.pathname,
      principalId: caller.principalId,
      get location(): string | undefined {
        location ??= { value: router.locationOf(request) };
        return location.value;
      },
    };
    const unreachable = ctx.faults.unreachable(facts);
    if (unreachable) {
      ctx.stats.injectedFault();
      if (unreachable.behaviour === 'reset') {
        res.socket?.destroy();
        return;
      }
      const region = unreachable.unreachableRegion;
      const held = this.held.get(region) ?? new Set<ServerResponse>();
      held.add(res);
      this.held.set(region, held);
      res.on('close', () => held.delete(res));
      return; // hangs until the rule is removed (connection reset) or the double closes
    }
    const latency = ctx.faults.takeLatency(facts);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));

    const kind = operationKind(method);
    const now = ctx.clock.now();
    const key = {
      callerRegion: caller.callerRegion,
      subscriptionId: subscriptionId.toLowerCase(),
      principalId: caller.principalId,
      kind,
    };
    const probe = throttler.decide(key, now, true);
    if (!probe.allowed) {
      ctx.stats.overBudget();
      if (throttling === 'enforce') {
        ctx.stats.throttled(caller.principalId, subscriptionId, kind);
        const seconds = Math.max(1, Math.ceil(probe.waitMs / 1000));
        const action = kind === 'read' ? 'read' : kind === 'write' ? 'write' : 'delete';
        const error = refuse(
          'arm.throttle.429',
          `Number of '${action}' requests for subscription '${subscriptionId}' actor '${caller.principalId}' exceeded. Please try again after '${seconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
        );
        return this.write(res, errorResult(error), {
          ...base,
          ...probe.headers,
          'Retry-After': String(seconds),
        });
      }
    }

    const injected = ctx.faults.takeHttp(facts);
    if (injected) {
      ctx.stats.injectedFault();
      const error = new ArmError(
        injected.status,
        injected.code,
        injected.message ?? `Injected ${injected.code}.`,
      );
      const retry: Record<string, string> =
        injected.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(injected.retryAfterSeconds) };
      return this.write(res, errorResult(error), { ...base, ...probe.headers, ...retry });
    }

    let result: HandlerResult;
    try {
      result = router.handle(request);
    } catch (error) {
      if (!(error instanceof ArmError)) throw error;
      result = errorResult(error);
    }
    return this.write(res, result, { ...base, ...probe.headers });
  }

  private write(res: ServerResponse, result: HandlerResult, headers: Record<string, string>): void {
    const all: Record<string, string> = { ...headers, ...(result.headers ?? {}) };
    let payload: Buffer | undefined;
    if (Buffer.isBuffer(result.body)) payload = result.body;
    else if (typeof result.body === 'string') {
      payload = Buffer.from(result.body);
      all['Content-Type'] ??= 'text/plain';
    } else if (result.body !== undefined) {
      // Encoded once: the length of a string answer is another pass over it (a group's listing
      // is megabytes at 50,000 devices), and the socket would encode it again.
      payload = Buffer.from(JSON.stringify(result.body));
      all['Content-Type'] = 'application/json; charset=utf-8';
    }
    if (payload !== undefined && !('Content-Length' in all)) all['Content-Length'] = String(payload.length);
    res.writeHead(result.status, all);
    res.end(payload);
  }
}

function errorResult(error: ArmError): HandlerResult {
  return { status: error.status, body: error.body(), headers: error.headers };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
