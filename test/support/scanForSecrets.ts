/**
 * Finds what looks like a credential in a file's text: storage and Service Bus keys in connection
 * strings, shared access signatures, private keys, JWTs, JWK private parts, Entra client secrets,
 * and long base64 that looks like a key (storage and Cosmos DB keys are 88 characters of it).
 * Known public values (the emulators' keys) pass only in the files that hold them on purpose.
 */

export interface SecretFinding {
  file: string;
  line: number;
  rule: string;
  /** The start of what matched, enough to find it, never the whole secret. */
  excerpt: string;
}

export interface AllowedSecret {
  /** The exact value. */
  value: string;
  /** Repository-relative paths where it may appear. */
  files: readonly string[];
}

interface Rule {
  name: string;
  pattern: RegExp;
  /** The capture group holding the secret itself (0: the whole match). */
  group?: number;
  /** A further judgement on the matched value; true means it is a secret. */
  judge?: (value: string, match: RegExpExecArray) => boolean;
}

const rules: readonly Rule[] = [
  {
    name: 'key in a connection string',
    pattern:
      /\b(?:AccountKey|SharedAccessKey|AccessKey|PrimaryKey|SecondaryKey)\s*=\s*([A-Za-z0-9+/]{20,}={0,2})/gi,
    group: 1,
  },
  {
    name: 'shared access signature',
    pattern: /\bSharedAccessSignature\s*[=:]?\s*"?(?:sv|sr|ss|sig|se|sp)=[^\s"';]*sig=[A-Za-z0-9%+/=]{16,}/gi,
  },
  { name: 'sig= in a URL', pattern: /[?&]sig=([A-Za-z0-9%+/=]{16,})/gi, group: 1 },
  { name: 'private key', pattern: /-{5}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-{5}/g },
  { name: 'JWT', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g },
  { name: 'JWK private part', pattern: /"(?:d|p|q|dp|dq|qi|k)"\s*:\s*"([A-Za-z0-9_-]{40,})"/g, group: 1 },
  {
    name: 'Entra client secret',
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
  },
  {
    name: 'base64 that looks like a key',
    // Bounded on both sides so a longer run is one candidate; `sha512-…` is a package integrity hash.
    pattern: /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{64,}={0,2}(?![A-Za-z0-9+/=_-])/g,
    judge: (value, match) =>
      !/sha(?:1|256|384|512)-$/.test(match.input.slice(Math.max(0, match.index - 7), match.index)) &&
      /[A-Z]/.test(value) &&
      /[a-z]/.test(value) &&
      /[0-9]/.test(value) &&
      entropyBitsPerChar(value) >= 4.2,
  },
];

/** Random base64 carries about 6 bits a character; words, paths and repeated text far fewer. */
export function entropyBitsPerChar(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

export function scanForSecrets(
  file: string,
  text: string,
  allowed: readonly AllowedSecret[] = [],
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const rule of rules) {
    for (const match of text.matchAll(rule.pattern)) {
      const value = match[rule.group ?? 0] ?? match[0];
      if (rule.judge && !rule.judge(value, match)) continue;
      const decoded = safeDecode(value);
      if (allowed.some((a) => (a.value === value || a.value === decoded) && a.files.includes(file))) continue;
      findings.push({
        file,
        line: text.slice(0, match.index).split('\n').length,
        rule: rule.name,
        excerpt: `${match[0].slice(0, 24)}…`,
      });
    }
  }
  return findings;
}

/** A key in a URL is percent-encoded; compare it decoded too. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
