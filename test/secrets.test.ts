/**
 * No secret in the repository: every file git tracks (and every file it would add, untracked and
 * not ignored) is scanned for keys, signatures, private keys and tokens. The only keys allowed are
 * the emulators' public ones, exactly, and only in the files that hold them on purpose.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cosmosEmulatorKey, developmentAccount, regionAccounts } from '../src/local/localSettings';
import { scanForSecrets, type AllowedSecret } from './support/scanForSecrets';

const root = join(__dirname, '..');

/** Public by design: Azurite's well-known account key and the Cosmos DB emulator's documented key. */
const allowed: AllowedSecret[] = [
  { value: developmentAccount.key, files: ['src/local/localSettings.ts'] },
  { value: cosmosEmulatorKey, files: ['src/local/localSettings.ts', 'local.settings.example.json'] },
  // The simulated regions' Azurite keys are computed in localSettings.ts; the example settings spell them out.
  ...Object.values(regionAccounts).map((account) => ({
    value: account.key,
    files: ['local.settings.example.json'],
  })),
];

function repositoryFiles(): string[] {
  const list = (...args: string[]) =>
    execFileSync('git', ['ls-files', '-z', ...args], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter(Boolean);
  return [...new Set([...list(), ...list('--others', '--exclude-standard')])].sort();
}

function textOf(file: string): string | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(root, file));
  } catch {
    return undefined; // deleted in the working tree
  }
  return bytes.subarray(0, 8000).includes(0) ? undefined : bytes.toString('utf8');
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const fakeKey = () => randomBytes(64).toString('base64');

/** Secrets made at run time, so none of them is ever in a file here. */
const planted: [string, string][] = [
  [
    'a storage connection string',
    `DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=${fakeKey()};EndpointSuffix=core.windows.net`,
  ],
  [
    'a Cosmos DB connection string',
    `AccountEndpoint=https://prod.documents.azure.com:443/;AccountKey=${fakeKey()};`,
  ],
  [
    'a Service Bus connection string',
    `Endpoint=sb://prod.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${randomBytes(32).toString('base64')}`,
  ],
  [
    'a SAS URL',
    `https://prod.blob.core.windows.net/disks/a.vhd?sv=2022-11-02&sr=b&sp=r&se=2030-01-01&sig=${encodeURIComponent(randomBytes(32).toString('base64'))}`,
  ],
  [
    'a SharedAccessSignature setting',
    `BlobEndpoint=https://prod.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=co&sig=${randomBytes(32).toString('hex')}`,
  ],
  [
    'a PEM private key',
    [`-----BEGIN RSA PRIVATE`, `KEY-----\n${fakeKey()}\n-----END RSA PRIVATE`, 'KEY-----'].join(' '),
  ],
  ['a PKCS#8 private key', ['-----BEGIN', `PRIVATE KEY-----\n${fakeKey()}`].join(' ')],
  [
    'a JWT',
    `Authorization: Bearer ${b64url('{"alg":"RS256","typ":"JWT"}')}.${b64url('{"tid":"x","roles":["DR.Admin"]}')}.${b64url(randomBytes(64))}`,
  ],
  [
    'a JWK private key',
    `{"kty":"RSA","n":"${b64url(randomBytes(64))}","e":"AQAB","d":"${b64url(randomBytes(64))}"}`,
  ],
  ['a bare Cosmos DB key', `const key = '${fakeKey()}';`],
  ['an Entra client secret', `AZURE_CLIENT_SECRET=abc8Q~${b64url(randomBytes(30)).slice(0, 34)}`],
  ["Azurite's key outside localSettings.ts", `key: '${developmentAccount.key}'`],
];

describe('secret scan', () => {
  it('finds no secret in the files of the repository', () => {
    const files = repositoryFiles();
    expect(files.length).toBeGreaterThan(100);
    const findings = files.flatMap((file) => {
      const text = textOf(file);
      return text === undefined ? [] : scanForSecrets(file, text, allowed);
    });
    expect(findings).toEqual([]);
  });

  it('allows each embedded key only where it is, so the list cannot go stale', () => {
    for (const { value, files } of allowed) {
      expect(
        files.some((file) => textOf(file)?.includes(value)),
        value.slice(0, 8),
      ).toBe(true);
    }
  });

  it.each(planted)('finds %s', (_what, text) => {
    const findings = scanForSecrets('src/planted.ts', `// planted\n${text}\n`, allowed);
    expect(findings.length).toBeGreaterThan(0);
    expect(findings[0]).toMatchObject({ file: 'src/planted.ts', line: 2 });
  });

  it.each([
    ['an npm integrity hash', `"integrity": "sha512-${randomBytes(64).toString('base64')}"`],
    ['a key read from a setting', 'AccountKey=${account.key};'],
    ['a placeholder', 'SharedAccessKey=SAS_KEY_VALUE;'],
    ['a Markdown table rule', `| ${'-'.repeat(80)} | ${'-'.repeat(70)} |`],
    [
      'a long identifier',
      `const ${'averyLongIdentifierNameThatGoesOnAndOnWithoutAnyBreakAtAllForSure'} = 1;`,
    ],
    ['a repeated letter', `'${'A'.repeat(200)}'`],
  ])('passes %s', (_what, text) => {
    expect(scanForSecrets('src/fine.ts', text, allowed)).toEqual([]);
  });
});
