/**
 * The admin portal in the embedded runtime: its built files (portal/dist, made by `npm start`'s
 * build) at `/`, its `portal-config.json` saying it signs in with the local issuer, and the
 * development sign-in (src/local/devSignIn.ts). Nothing here is registered with the Functions
 * host: in Azure the portal is a static website and signs in with Entra ID (docs/deploy.md).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { handleDevSignIn, type DevSignInOptions } from './devSignIn';

/** Answers a request outside `/api/`; false when it is not the site's, so the host answers 404. */
export type SiteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export interface PortalSiteOptions {
  /** The built portal (portal/dist). */
  dir: string;
  /** The development sign-in; absent when the local issuer is off (then the portal cannot sign in here). */
  devSignIn?: DevSignInOptions;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Fluent UI writes its styles at run time (Griffel), hence 'unsafe-inline' for styles only; the
 * API is same-origin, and the embedded runtime signs in with its own issuer, here. (In Azure, Front
 * Door's rule set also lets MSAL reach login.microsoftonline.com: infra/modules/frontDoorPortal.bicep.)
 */
const securityHeaders = {
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** portal/dist beside the package (from src/local under tsx, or dist/src/local when built). */
export function defaultPortalDir(): string {
  for (const up of [
    ['..', '..'],
    ['..', '..', '..'],
  ]) {
    const dir = resolve(__dirname, ...up, 'portal', 'dist');
    if (existsSync(join(dir, '..', 'index.html'))) return dir;
  }
  return resolve(__dirname, '..', '..', 'portal', 'dist');
}

export function portalSite(options: PortalSiteOptions): SiteHandler {
  const root = resolve(options.dir);
  return async (req, res, url) => {
    if (url.pathname === '/local/sign-in') {
      if (!options.devSignIn) return false;
      return await handleDevSignIn(req, res, options.devSignIn);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (url.pathname === '/portal-config.json') {
      // The embedded runtime signs in with its own issuer, or not at all.
      if (!options.devSignIn) return false;
      sendBody(res, 200, '.json', JSON.stringify({ signIn: 'local' }), 'no-store', req.method);
      return true;
    }
    const relative = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = resolve(root, relative);
    if (file !== root && !file.startsWith(root + sep)) return false;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      if (url.pathname !== '/') return false;
      sendBody(
        res,
        503,
        '.html',
        '<!doctype html><title>Portal not built</title><p>The admin portal is not built: run <code>npm run portal:build</code> (npm start does).</p>',
        'no-store',
        req.method,
      );
      return true;
    }
    // Hashed assets never change; index.html names the current ones, so it is always fetched anew.
    const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    sendBody(res, 200, extname(file), await readFile(file), cache, req.method);
    return true;
  };
}

function sendBody(
  res: ServerResponse,
  status: number,
  extension: string,
  body: string | Buffer,
  cacheControl: string,
  method: string,
): void {
  res.writeHead(status, {
    ...securityHeaders,
    'content-type': contentTypes[extension] ?? 'application/octet-stream',
    'content-length': Buffer.byteLength(body),
    'cache-control': cacheControl,
  });
  res.end(method === 'HEAD' ? undefined : body);
}
