/**
 * The admin portal in Azure: a storage static website in each control-plane region, both behind the
 * admin API's Front Door endpoint — the portal at /*, its hashed assets cached at /assets/*, the API
 * at /api/* — with the embedded runtime's security headers, registered in Entra ID after
 * provisioning and published by azd's postdeploy hook with a portal-config.json. Read from the
 * compiled template as Azure will see it and from the hooks; portalConfig.sh is run.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalSite } from '../../src/local/portalSite';
import type { ArmResource, Deployment } from './armTemplate';
import { at, infraDir } from './bicepFile';
import { deployed, describeCompiled, functionApps, ofType, portalAccounts, sameId, theOne } from './deployed';
import { frontDoorPortal, main } from './deployment';
import { standInAudience, standInTenantId } from './standIns';

const root = join(infraDir, '..');
const scripts = join(infraDir, 'scripts');
const signInOrigin = 'https://login.microsoftonline.com';
const scopeValue = (
  JSON.parse(readFileSync(join(infraDir, 'auth', 'userImpersonationScope.json'), 'utf8')) as { value: string }
).value;

/** A static website's host: what Front Door connects to. */
function webHost(account: ArmResource): string {
  return new URL((account.runtime['primaryEndpoints'] as Record<string, string>)['web']!).host;
}

function origins(deployment: Deployment, group: ArmResource): ArmResource[] {
  return ofType(deployment, 'Microsoft.Cdn/profiles/originGroups/origins').filter((o) =>
    o.name.startsWith(`${group.name}/`),
  );
}

/** The origin group whose origins are exactly these hosts. */
function groupOf(deployment: Deployment, hosts: string[]): ArmResource {
  return theOne(
    deployment,
    'Microsoft.Cdn/profiles/originGroups',
    (group) =>
      JSON.stringify(
        origins(deployment, group)
          .map((o) => o.properties['hostName'])
          .sort(),
      ) === JSON.stringify([...hosts].sort()),
    `of ${hosts.join(', ')}`,
  );
}

/** Every route of the one endpoint, by its one path pattern. */
function routesByPattern(deployment: Deployment): Map<string, ArmResource> {
  const [endpoint, ...more] = ofType(deployment, 'Microsoft.Cdn/profiles/afdEndpoints');
  expect(more).toEqual([]);
  const routes = ofType(deployment, 'Microsoft.Cdn/profiles/afdEndpoints/routes');
  const byPattern = new Map<string, ArmResource>();
  for (const route of routes) {
    expect(route.name.startsWith(`${endpoint!.name}/`), route.name).toBe(true);
    const patterns = route.properties['patternsToMatch'] as string[];
    expect(patterns, route.name).toHaveLength(1);
    expect(byPattern.has(patterns[0]!), `${patterns[0]} is matched by two routes`).toBe(false);
    byPattern.set(patterns[0]!, route);
  }
  return byPattern;
}

/** A Content-Security-Policy as directive → sources. */
function directives(policy: string): Record<string, string[]> {
  return Object.fromEntries(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describeCompiled('the admin portal’s static websites', () => {
  it('are one storage account per control-plane region, of the portal’s own, serving index.html', () => {
    const deployment = deployed('westeurope', 'northeurope', { env: { PROTECTED_REGIONS: 'eastus:westus' } });
    const accounts = portalAccounts(deployment);
    expect(accounts.map((a) => a.location)).toEqual(['westeurope', 'northeurope']);
    for (const account of accounts) {
      expect(account.body['kind'], account.name).toBe('StorageV2');
      expect(account.properties).toMatchObject({
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        supportsHttpsTrafficOnly: true,
        minimumTlsVersion: 'TLS1_2',
      });
      const blobService = theOne(
        deployment,
        'Microsoft.Storage/storageAccounts/blobServices',
        (r) => r.name === `${account.name}/default`,
        `of ${account.name}`,
      );
      expect(blobService.properties['staticWebsite']).toEqual({ enabled: true, indexDocument: 'index.html' });
      // The first API version with staticWebsite on the blob service.
      expect(blobService.apiVersion >= '2025-08-01', blobService.apiVersion).toBe(true);
      // Nothing else lives there: no container is declared beside `$web`, which the website makes.
      expect(
        ofType(deployment, 'Microsoft.Storage/storageAccounts/blobServices/containers').filter((c) =>
          c.name.startsWith(`${account.name}/`),
        ),
      ).toEqual([]);
    }
  });

  it('are one Front Door origin group, probed, each region at the same priority', () => {
    const deployment = deployed();
    const accounts = portalAccounts(deployment);
    const group = groupOf(deployment, accounts.map(webHost));
    const probe = group.properties['healthProbeSettings'] as Record<string, unknown>;
    // The page publishPortal.sh uploads and every load of the portal starts from.
    expect(probe).toMatchObject({ probePath: '/index.html', probeProtocol: 'Https' });
    expect(['HEAD', 'GET']).toContain(probe['probeRequestType']);
    expect(probe['probeIntervalInSeconds']).toBeGreaterThanOrEqual(5);
    expect(probe['probeIntervalInSeconds']).toBeLessThanOrEqual(255);
    const members = origins(deployment, group);
    expect(new Set(members.map((o) => o.properties['priority'])).size).toBe(1);
    for (const origin of members) {
      expect(origin.properties['originHostHeader'], origin.name).toBe(origin.properties['hostName']);
      expect(origin.properties).toMatchObject({ enabledState: 'Enabled', enforceCertificateNameCheck: true });
    }
  });
});

describeCompiled('the Front Door endpoint', () => {
  const deployment = () => deployed();

  it('routes /api/* to the Function Apps, /assets/* and /* to the portal, over HTTPS only', () => {
    const d = deployment();
    const routes = routesByPattern(d);
    expect([...routes.keys()].sort()).toEqual(['/*', '/api/*', '/assets/*']);
    const api = groupOf(
      d,
      functionApps(d).map((app) => app.runtime['defaultHostName'] as string),
    );
    const portal = groupOf(d, portalAccounts(d).map(webHost));
    const groupFor = (pattern: string) =>
      (routes.get(pattern)!.properties['originGroup'] as { id: string }).id;
    expect(sameId(groupFor('/api/*'), api.id)).toBe(true);
    expect(sameId(groupFor('/*'), portal.id)).toBe(true);
    expect(sameId(groupFor('/assets/*'), portal.id)).toBe(true);
    for (const route of routes.values()) {
      expect(route.properties, route.name).toMatchObject({
        supportedProtocols: ['Https'],
        forwardingProtocol: 'HttpsOnly',
        linkToDefaultDomain: 'Enabled',
        enabledState: 'Enabled',
      });
    }
  });

  it('caches only the portal’s hashed assets, never the API, index.html or portal-config.json', () => {
    const routes = routesByPattern(deployment());
    expect(routes.get('/api/*')!.properties['cacheConfiguration'] ?? null).toBeNull();
    expect(routes.get('/*')!.properties['cacheConfiguration'] ?? null).toBeNull();
    expect(routes.get('/assets/*')!.properties['cacheConfiguration']).toMatchObject({
      queryStringCachingBehavior: 'IgnoreQueryString',
      compressionSettings: { isCompressionEnabled: true },
    });
    // Vite writes the hashed files to assets/ unless told otherwise.
    expect(readFileSync(join(root, 'portal', 'vite.config.mts'), 'utf8')).not.toMatch(/assetsDir/);
    // The hook gives them, and only them, a year's Cache-Control.
    const publish = readFileSync(join(scripts, 'publishPortal.sh'), 'utf8');
    expect(publish).toMatch(/upload "\$account" "\$work\/assets" 'public, max-age=31536000, immutable'/);
    expect(publish).toMatch(/upload "\$account" "\$work\/pages" 'no-cache'/);
  });

  it('hands azd the portal’s URL on the API’s host, its accounts and its sign-in authority', () => {
    const { outputs, resources } = deployment();
    const endpoint = resources.find((r) => r.type === 'Microsoft.Cdn/profiles/afdEndpoints')!;
    expect(outputs['PORTAL_URL']).toBe(`https://${endpoint.runtime['hostName'] as string}/`);
    expect(outputs['API_BASE_URL']).toBe(`${outputs['PORTAL_URL'] as string}api`);
    expect(outputs['PORTAL_AUTHORITY']).toBe(`${signInOrigin}/${standInTenantId}`);
  });
});

describeCompiled('the portal’s security headers at the edge', () => {
  let server: Server;
  let dir: string;
  let local: Headers;

  beforeAll(async () => {
    // The embedded runtime's own site: its headers are what the portal is built and tested against.
    dir = mkdtempSync(join(tmpdir(), 'portal-'));
    const site = portalSite({ dir });
    server = createServer((req, res) => {
      void site(req, res, new URL(req.url ?? '/', 'http://localhost'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    local = (await fetch(`http://127.0.0.1:${port}/`)).headers;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  /** The headers the rule set of a route writes: name (lower case) → value. */
  function edgeHeaders(deployment: Deployment, route: ArmResource): Record<string, string> {
    const sets = (route.properties['ruleSets'] as { id: string }[] | undefined) ?? [];
    expect(sets, route.name).toHaveLength(1);
    const ruleSet = theOne(
      deployment,
      'Microsoft.Cdn/profiles/ruleSets',
      (r) => sameId(r.id, sets[0]!.id),
      'used',
    );
    const rules = ofType(deployment, 'Microsoft.Cdn/profiles/ruleSets/rules').filter((r) =>
      r.name.startsWith(`${ruleSet.name}/`),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]!.properties['conditions'], 'every response').toEqual([]);
    const actions = rules[0]!.properties['actions'] as { name: string; parameters: Record<string, string> }[];
    expect(actions.length).toBeLessThanOrEqual(5);
    return Object.fromEntries(
      actions.map((action) => {
        expect(action.name).toBe('ModifyResponseHeader');
        expect(action.parameters['headerAction']).toBe('Overwrite');
        return [action.parameters['headerName']!.toLowerCase(), action.parameters['value']!];
      }),
    );
  }

  it('are the embedded runtime’s, on every portal route and not on the API', () => {
    const deployment = deployed();
    const routes = routesByPattern(deployment);
    expect(routes.get('/api/*')!.properties['ruleSets'] ?? []).toEqual([]);
    for (const pattern of ['/*', '/assets/*']) {
      const headers = edgeHeaders(deployment, routes.get(pattern)!);
      for (const name of ['x-content-type-options', 'referrer-policy']) {
        expect(headers[name], `${pattern} ${name}`).toBe(local.get(name));
      }
      expect(headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    }
  });

  it('keep the local Content-Security-Policy, opened only for Entra sign-in', () => {
    const deployment = deployed();
    const edge = directives(
      edgeHeaders(deployment, routesByPattern(deployment).get('/*')!)['content-security-policy']!,
    );
    const here = directives(local.get('content-security-policy')!);
    expect(here['default-src']).toEqual(["'self'"]);
    // MSAL fetches tokens from the sign-in host and may renew them in a hidden iframe of it, which
    // then loads this site's own page: the only differences.
    expect(edge).toEqual({
      ...here,
      'connect-src': ["'self'", signInOrigin],
      'frame-src': [signInOrigin],
      'frame-ancestors': ["'self'"],
    });
  });
});

describe('the order of deployment', () => {
  it('adds the portal to the endpoint after the API’s route, by names known before anything is deployed', () => {
    const module = main.module('frontDoorPortal').value;
    expect(at(module, 'dependsOn')).toEqual(['frontDoorOrigins']);
    // main.bicep's names, as the other Front Door modules take them, so What-If can resolve them.
    expect(at(module, 'params.profileName')).toBe('frontDoorProfileName');
    expect(at(module, 'params.endpointName')).toBe('frontDoorEndpointName');
    for (const name of ['profile', 'endpoint'])
      expect(frontDoorPortal.resource(name).existing, name).toBe(true);
    expect(main.variable('portalHostNames')).toBe('map(portalSites, site => site.outputs.webHostName)');
  });
});

describe('the portal’s hooks', () => {
  const azureYaml = readFileSync(join(root, 'azure.yaml'), 'utf8');

  /** The script a hook of azure.yaml runs, which must exist and be executable. */
  function hook(name: string): string {
    const script = new RegExp(`\\n  ${name}:[\\s\\S]*?run:\\s*(\\S+)`).exec(azureYaml)?.[1];
    expect(script, `azure.yaml has a ${name} hook`).toBeDefined();
    const path = join(root, script!);
    expect(() => accessSync(path, constants.X_OK), path).not.toThrow();
    return readFileSync(path, 'utf8');
  }

  it('register the portal in Entra ID after provisioning: a SPA at PORTAL_URL, pre-authorised on the API', () => {
    const script = hook('postprovision');
    expect(script).toContain('"spa":{"redirectUris":["%s"]}');
    expect(script).toContain('"$PORTAL_URL"');
    expect(script).toContain('"requiredResourceAccess"');
    expect(script).toContain('preAuthorizedApplications');
    expect(script).toContain('azd env set PORTAL_CLIENT_ID');
  });

  it('publish the build and its portal-config.json to both regions’ $web with Entra ID, never a key', () => {
    const script = hook('postdeploy');
    expect(script).toContain('npm run -s portal:build');
    expect(script).toContain('"$here/portalConfig.sh" >');
    expect(script).toContain('for account in $PORTAL_STORAGE_ACCOUNTS; do');
    expect(script).toMatch(/az storage blob upload-batch --account-name "\$account" --destination '\$web'/);
    expect(script).toContain('--auth-mode login');
    expect(script).not.toMatch(/--account-key|--sas-token|connection-string/);
    // Assets to every region before any page that names them.
    expect(script.indexOf('"$work/assets" \'public')).toBeLessThan(
      script.indexOf('"$work/pages" \'no-cache'),
    );
  });

  describe('portalConfig.sh', () => {
    const portalClientId = '3f6b1d2e-4a5c-4e7f-9a0b-1c2d3e4f5a6b';
    const run = (env: Record<string, string>) =>
      spawnSync(join(scripts, 'portalConfig.sh'), {
        env: { PATH: process.env['PATH'] ?? '', ...env },
        encoding: 'utf8',
      });

    it('writes the Entra sign-in the portal reads: its client, the tenant’s authority, the API’s scope', () => {
      const authority = `${signInOrigin}/${standInTenantId}`;
      const result = run({
        PORTAL_CLIENT_ID: portalClientId,
        AUTH_AUDIENCE: standInAudience,
        PORTAL_AUTHORITY: authority,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        signIn: 'entra',
        clientId: portalClientId,
        authority,
        scope: `api://${standInAudience}/${scopeValue}`,
      });
      // The fields the portal's own type names (portal/src/auth/portalConfig.ts).
      const type = readFileSync(join(root, 'portal', 'src', 'auth', 'portalConfig.ts'), 'utf8');
      for (const field of ['clientId', 'authority', 'scope'])
        expect(type).toMatch(new RegExp(`\\b${field}: string;`));
    });

    it('refuses to write one without the portal’s registration, saying how to make it', () => {
      const result = run({
        AUTH_AUDIENCE: standInAudience,
        PORTAL_AUTHORITY: `${signInOrigin}/${standInTenantId}`,
      });
      expect(result.status).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('PORTAL_CLIENT_ID');
    });
  });
});
