/**
 * Serves the registered HTTP functions on `node:http` with the host's own route templates and
 * `/api` prefix: socket → the framework's HttpRequest → the handler → HttpResponseInit → socket.
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable, type Duplex } from 'node:stream';
import { ensureErrorType } from '../domain/errors';
import type { HttpFunction } from '../functions/registry';
import { HttpLimits } from '../http/limits';
import { problem } from '../http/problem';
import type { SiteHandler } from './portalSite';

export type LogHandler = (level: string, functionName: string, message: string) => void;

interface CompiledRoute {
  fn: HttpFunction;
  pattern: RegExp;
  paramNames: string[];
  literalSegments: number;
}

export interface HttpHost {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export interface HttpHostOptions {
  port: number;
  host?: string;
  log?: LogHandler;
  /** Answers what lies outside `/api/` (the admin portal); without it, such paths are 404. */
  site?: SiteHandler;
}

export async function startHttpHost(
  functions: readonly HttpFunction[],
  options: HttpHostOptions,
): Promise<HttpHost> {
  const routes = compileRoutes(functions);
  const log = options.log ?? (() => undefined);
  const server = createServer((req, res) => {
    handle(routes, req, res, log, options.site).catch((err) => {
      log('error', 'http-host', ensureErrorType(err).stack ?? String(err));
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  // Requests Node cannot parse (a request line or headers over its 16 KiB bound, a bad
  // Content-Length) never reach a handler; Node's own answer is a bare status line.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A response already under way on this socket cannot be followed by another.
    if (err.code === 'ECONNRESET' || !socket.writable || ('_httpMessage' in socket && socket._httpMessage)) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const response = withCorrelationId(
      undefined,
      tooLarge
        ? problem(431, 'headers-too-large', 'The request line or headers exceed 16 KiB', {
            errors: [{ field: 'header', reason: 'the request line and headers exceed 16 KiB' }],
          })
        : problem(400, 'malformed-request', 'The request is not valid HTTP/1.1', {
            errors: [{ field: 'request', reason: 'is not valid HTTP/1.1' }],
          }),
    );
    const body = JSON.stringify(response.jsonBody);
    const headers = response.headers as Record<string, string>;
    socket.end(
      `HTTP/1.1 ${response.status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function compileRoutes(functions: readonly HttpFunction[]): CompiledRoute[] {
  return functions
    .map((fn) => {
      const paramNames: string[] = [];
      const segments = fn.spec.route.split('/');
      const source = segments
        .map((segment) =>
          segment.replace(/\{([A-Za-z0-9_]+)[^}]*\}|[^{]+/g, (part, name?: string) => {
            if (name) {
              paramNames.push(name);
              return '([^/]+)';
            }
            return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          }),
        )
        .join('/');
      const literalSegments = segments.filter((s) => !s.includes('{')).length;
      return { fn, pattern: new RegExp(`^/api/${source}/?$`, 'i'), paramNames, literalSegments };
    })
    .sort((a, b) => b.literalSegments - a.literalSegments);
}

async function handle(
  routes: CompiledRoute[],
  req: IncomingMessage,
  res: ServerResponse,
  log: LogHandler,
  site: SiteHandler | undefined,
): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  if (site && !url.pathname.startsWith('/api/') && (await site(req, res, url))) return;
  const method = (req.method ?? 'GET').toUpperCase();
  const matching = routes
    .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
    .filter((m): m is { route: CompiledRoute; match: RegExpExecArray } => m.match !== null);
  const found = matching.find((m) => m.route.fn.spec.method === method);
  if (!found) {
    const response =
      matching.length > 0
        ? problem(405, 'method-not-allowed', `${method} is not allowed on ${url.pathname}`, {
            headers: { allow: matching.map((m) => m.route.fn.spec.method).join(', ') },
          })
        : problem(404, 'not-found', `No route matches ${url.pathname}`);
    await send(res, withCorrelationId(req, response));
    return;
  }

  const body = await readBody(req, HttpLimits.absoluteMaxBodyBytes);
  if (body === 'too-large') {
    await send(
      res,
      withCorrelationId(
        req,
        problem(413, 'body-too-large', `The request body exceeds ${HttpLimits.absoluteMaxBodyBytes} bytes`, {
          errors: [{ field: 'body', reason: `exceeds ${HttpLimits.absoluteMaxBodyBytes} bytes` }],
        }),
      ),
    );
    req.destroy();
    return;
  }
  const params: Record<string, string> = {};
  let badParam: string | undefined;
  found.route.paramNames.forEach((name, i) => {
    try {
      params[name] = decodeURIComponent(found.match[i + 1]!);
    } catch {
      badParam = name;
    }
  });
  if (badParam) {
    await send(
      res,
      withCorrelationId(
        req,
        problem(400, 'validation-failed', `Path parameter ${badParam} is not valid percent-encoding`, {
          errors: [{ field: `path.${badParam}`, reason: 'is not valid percent-encoding' }],
        }),
      ),
    );
    return;
  }

  const functionName = found.route.fn.name;
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers: headersOf(req),
    params,
    // The framework discards a GET's or HEAD's body with a warning per request; it is not read.
    body: body.length > 0 && method !== 'GET' && method !== 'HEAD' ? { bytes: body } : undefined,
  });
  const context = new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    logHandler: (level, ...args) => log(level, functionName, args.map(String).join(' ')),
  });
  const response = await found.route.fn.handler(request, context);
  await send(res, response);
}

/**
 * The host's own problems carry a correlation id as the pipeline's do, the caller's own when it is
 * one the pipeline would keep.
 */
function withCorrelationId(req: IncomingMessage | undefined, response: HttpResponseInit): HttpResponseInit {
  const supplied = req?.headers['x-correlation-id'];
  const correlationId =
    typeof supplied === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(supplied) ? supplied : randomUUID();
  return {
    ...response,
    headers: { ...(response.headers as Record<string, string>), 'x-correlation-id': correlationId },
    jsonBody: { ...(response.jsonBody as object), correlationId },
  };
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // As App Service's front end does: the address of the connection, as `ip:port`, appended LAST to
  // whatever X-Forwarded-For the client sent. The pipeline reads only that last entry, so a client
  // cannot choose its own rate-limit bucket (src/http/clientAddress.ts).
  const peer = peerOf(req);
  if (peer) {
    const sent = headers['x-forwarded-for'];
    headers['x-forwarded-for'] = sent ? `${sent}, ${peer}` : peer;
  }
  return headers;
}

function peerOf(req: IncomingMessage): string | undefined {
  const { remoteAddress, remotePort } = req.socket;
  if (!remoteAddress) return undefined;
  const host = remoteAddress.includes(':') ? `[${remoteAddress}]` : remoteAddress;
  return remotePort === undefined ? host : `${host}:${remotePort}`;
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

async function send(res: ServerResponse, init: HttpResponseInit | HttpResponse): Promise<void> {
  const response = init instanceof HttpResponse ? init : new HttpResponse(init);
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  for (const cookie of response.cookies) {
    res.appendHeader('set-cookie', `${cookie.name}=${cookie.value}`);
  }
  res.writeHead(response.status, headers);
  if (response.body) {
    for await (const chunk of Readable.fromWeb(response.body)) {
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
  }
  res.end();
}
