/**
 * The portal's development sign-in, `POST /local/sign-in`: a token from the local issuer for the
 * tenant, user and role asked for — anyone who can reach it is anyone they like, so it exists only
 * in the embedded runtime with LOCAL_ISSUER=true, answers only a loopback peer that names a
 * loopback host (a DNS-rebinding page names its own), and is never registered with the Functions
 * host (it is not a defineHttp route).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { loadLocalSigningKey, signLocalToken } from '../adapters/local-issuer/localIssuer';
import { PlatformRole, Roles } from '../domain/roles';
import { problem } from '../http/problem';

export interface DevSignInOptions {
  dataDir: string;
  issuer: string;
  audience: string;
  platformTenantId: string;
}

const hours = 8;
const upn = z
  .string()
  .trim()
  .min(3)
  .max(256)
  .regex(/^[^@\s]+@[^@\s]+$/, 'must be a user principal name (name@domain)');
const platformBody = z.strictObject({ platform: z.literal(true), upn });
const tenantBody = z.strictObject({ tenantId: z.guid(), role: z.enum(Roles), upn });

export function isLoopbackAddress(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** `localhost`, `127.0.0.1` or `[::1]`, with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  return !!host && /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(host);
}

export async function handleDevSignIn(
  req: IncomingMessage,
  res: ServerResponse,
  options: DevSignInOptions,
): Promise<boolean> {
  if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHost(req.headers.host)) return false;
  if (req.method !== 'POST') {
    sendProblem(
      res,
      problem(405, 'method-not-allowed', 'POST a tenant, role and user', { headers: { allow: 'POST' } }),
    );
    return true;
  }
  const raw = await readJson(req);
  // Which of the two shapes is meant, so an error names the field of that one.
  const platform = typeof raw === 'object' && raw !== null && 'platform' in raw;
  const parsed = (platform ? platformBody : tenantBody).safeParse(raw);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      field: ['body', ...issue.path.map(String)].join('.'),
      reason: issue.message,
    }));
    sendProblem(
      res,
      problem(400, 'validation-failed', 'Give {tenantId, role, upn}, or {platform: true, upn}', { errors }),
    );
    return true;
  }
  const request = parsed.data;
  const key = await loadLocalSigningKey(options.dataDir);
  const token = await signLocalToken(key, {
    issuer: options.issuer,
    audience: options.audience,
    tenantId: 'tenantId' in request ? request.tenantId : options.platformTenantId,
    roles: ['role' in request ? request.role : PlatformRole],
    upn: request.upn,
    expiresInSeconds: hours * 3600,
  });
  send(res, 200, { token, expiresInSeconds: hours * 3600 });
  return true;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4096) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, unknown> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function sendProblem(res: ServerResponse, response: ReturnType<typeof problem>): void {
  send(
    res,
    response.status ?? 500,
    { ...(response.jsonBody as object), correlationId: randomUUID() },
    response.headers as Record<string, unknown>,
  );
}
