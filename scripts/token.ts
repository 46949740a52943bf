/**
 * Prints a bearer token from the local development issuer (`npm run -s token -- --help`). It reads
 * the settings `npm start` reads, the same way (src/local/localRuntime.ts), so its issuer names the
 * runtime's port and it signs with the key in the runtime's data folder; it checks that the
 * runtime answers there and knows the key before it prints anything.
 */
import { loadLocalSigningKey, signLocalToken } from '../src/adapters/local-issuer/localIssuer';
import { isRole, PlatformRole, Roles } from '../src/domain/roles';
import { LocalSettingNames } from '../src/local/localSettingNames';
import { readLocalRuntime } from '../src/local/localRuntime';
import { SettingNames } from '../src/settingNames';
import { parseCommandLine, runScript, ScriptExit, usageError } from './cli';

const usage = `usage: npm run -s token -- --tenant <tenant GUID> --role <role> [--role <role> ...] [--upn <upn>] [--hours <1-24>]
   or: npm run -s token -- --platform [--upn <upn>] [--hours <1-24>]

Prints a bearer token signed by the local issuer of the runtime npm start runs.
  --tenant <GUID>  the tenant the token is of (its tid)
  --role <role>    ${Roles.join(', ')}; repeatable
  --platform       ${PlatformRole} of the home tenant (${SettingNames.platformTenantId}), instead of --tenant and --role
  --upn <upn>      the user's name (upn claim)
  --hours <1-24>   how long it is valid (default 8)
  -h, --help       this

It reads what npm start reads: ${LocalSettingNames.httpPort} (the issuer names the port), ${SettingNames.localDataDir}
(the signing key), ${SettingNames.authIssuer}, ${SettingNames.authAudience}, ${SettingNames.authJwksUri}, ${SettingNames.platformTenantId}.
Set them here as for npm start.`;

async function main(): Promise<void> {
  const values = parseCommandLine(
    {
      tenant: { type: 'string' },
      platform: { type: 'boolean', default: false },
      role: { type: 'string', multiple: true },
      upn: { type: 'string' },
      hours: { type: 'string', default: '8' },
    },
    usage,
  );
  const { settings, dataDir } = readLocalRuntime();
  // A platform admin's token is of the deployment's home tenant: that is what makes the role count.
  const tenant = values.platform ? settings[SettingNames.platformTenantId]! : (values.tenant ?? '');
  const roles = values.platform ? [PlatformRole] : (values.role ?? []);
  const hours = Number(values.hours);
  const problems: string[] = [];
  if (values.platform && (values.tenant !== undefined || values.role !== undefined))
    problems.push('--platform takes neither --tenant nor --role');
  else if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenant))
    problems.push(
      values.platform ? `${SettingNames.platformTenantId} must be a GUID` : '--tenant must be a GUID',
    );
  if (roles.length === 0) problems.push('at least one --role is required');
  for (const role of roles)
    if (!isRole(role) && !values.platform) problems.push(`--role ${role} is not one of ${Roles.join(', ')}`);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24)
    problems.push('--hours must be a whole number from 1 to 24');
  if (problems.length > 0) throw usageError(problems, usage);

  const jwksUri = settings[SettingNames.authJwksUri]!;
  const knownKeys = await runtimeKeyIds(jwksUri);
  const key = await loadLocalSigningKey(dataDir);
  if (!knownKeys.includes(key.kid)) {
    throw new ScriptExit(
      1,
      `npm run token: the runtime at ${jwksUri} signs with another key than the one in ${dataDir}: it uses another data folder; set the same ${SettingNames.localDataDir} here as for npm start.`,
    );
  }
  const claims = {
    issuer: settings[SettingNames.authIssuer]!,
    audience: settings[SettingNames.authAudience]!,
    tenantId: tenant,
    roles,
    expiresInSeconds: hours * 3600,
  };
  console.log(await signLocalToken(key, values.upn ? { ...claims, upn: values.upn } : claims));
}

/** The key ids the running runtime accepts; fails fast, naming the fix, when it does not answer. */
async function runtimeKeyIds(jwksUri: string): Promise<string[]> {
  let response: Response;
  try {
    response = await fetch(jwksUri, { signal: AbortSignal.timeout(3_000) });
  } catch {
    throw new ScriptExit(
      1,
      `npm run token: nothing answers at ${jwksUri}: start the runtime first (npm start); if it runs with ${LocalSettingNames.httpPort} or ${SettingNames.authJwksUri} set, set the same here.`,
    );
  }
  const body = (await response.json().catch(() => undefined)) as { keys?: { kid?: unknown }[] } | undefined;
  if (!response.ok || !Array.isArray(body?.keys)) {
    throw new ScriptExit(
      1,
      `npm run token: ${jwksUri} answers ${response.status} without the local issuer's keys: is npm start running there with ${SettingNames.localIssuer}=true?`,
    );
  }
  return body.keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string');
}

runScript('npm run token', main);
