import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version, read once; the same in the built app (dist/src) and from source (src). */
function readVersion(): string {
  for (const candidate of [
    join(__dirname, '..', 'package.json'),
    join(__dirname, '..', '..', 'package.json'),
  ]) {
    try {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'cloudpc-dr-control-plane' && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

export const version = readVersion();
