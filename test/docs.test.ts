/**
 * The README stays the short front door and the docs hold together: the README under 300 lines,
 * every relative link in the repository's own Markdown pointing at a file that exists (and, with a
 * `#fragment`, at a heading in it), the walkthrough marked for its system test, and the examples
 * of docs/api.md and docs/operations.md using only shell variables the walkthrough (or the example
 * itself) sets, since they say they run in the walkthrough's shell.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkthroughBlocks } from './support/readmeWalkthrough';

const root = join(__dirname, '..');
const read = (path: string) => readFileSync(path, 'utf8');

/** README.md, docs/*.md and the other folders' READMEs: the Markdown this project writes. */
function markdownFiles(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  const readmes = ['bench', 'infra'].map((folder) => join(root, folder, 'README.md')).filter(existsSync);
  return [join(root, 'README.md'), ...docs, ...readmes];
}

/** Text outside fenced code blocks: `[x](y)` inside one is code, not a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
}

/** The fenced blocks of a language, without their fences. */
function codeBlocks(markdown: string, languages: string[]): string[] {
  return [...markdown.matchAll(/^```([a-z]*)\n([\s\S]*?)^```$/gm)]
    .filter((m) => languages.includes(m[1]!))
    .map((m) => m[2]!);
}

/** GitHub's anchors of a file's headings: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Shell variables a script assigns (`NAME=`, `for NAME in`, a function's name is not one). */
function assigned(script: string): Set<string> {
  return new Set(
    [...script.matchAll(/(?:^|[\s;(])(?:for\s+)?([A-Za-z_][A-Za-z0-9_]*)(?:=|\s+in\s)/gm)].map((m) => m[1]!),
  );
}

/** Shell variables a script reads: `$NAME` and `${NAME…}`, but not `${NAME:-default}`, which needs none. */
function used(script: string): Set<string> {
  return new Set(
    [...script.matchAll(/\$(\{)?([A-Za-z_][A-Za-z0-9_]*)(:-)?/g)]
      .filter((m) => !(m[1] && m[3]))
      .map((m) => m[2]!),
  );
}

describe('the README', () => {
  const readme = read(join(root, 'README.md'));

  it('is the short front door: under 300 lines', () => {
    expect(readme.split('\n').length).toBeLessThan(300);
  });

  it('marks its walkthrough for test/local/readmeWalkthrough.test.ts: bash blocks that protect, activate and deactivate', () => {
    const script = walkthroughBlocks(readme).join('\n');
    expect(script).toContain('/policies/standard/restore-points');
    expect(script).toContain('/activations');
    expect(script).toContain('/deactivate');
    // It runs under `set -u` in its test: everything it reads, it sets (the runtime's port has a default).
    const unset = [...used(script)].filter((name) => !assigned(script).has(name));
    expect(unset).toEqual([]);
  });
});

describe('the docs', () => {
  it.each(markdownFiles().map((file) => [relative(root, file)]))(
    '%s links only to files and headings that exist',
    (file) => {
      const path = join(root, file);
      const broken: string[] = [];
      for (const [, target] of prose(read(path)).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [linked, fragment] = target!.split('#') as [string, string | undefined];
        const resolved = linked === '' ? path : join(dirname(path), decodeURIComponent(linked));
        if (!existsSync(resolved)) broken.push(`${target}: no such file`);
        else if (fragment && !statSync(resolved).isDirectory() && !anchors(read(resolved)).has(fragment))
          broken.push(`${target}: no such heading`);
      }
      expect(broken).toEqual([]);
    },
  );

  it.each([['docs/api.md'], ['docs/operations.md']])(
    "%s's examples use only the variables the README's walkthrough or the example sets",
    (file) => {
      const walkthrough = assigned(walkthroughBlocks().join('\n'));
      const unset: string[] = [];
      for (const block of codeBlocks(read(join(root, file)), ['bash', 'sh'])) {
        const own = assigned(block);
        for (const name of used(block)) if (!walkthrough.has(name) && !own.has(name)) unset.push(name);
      }
      expect(unset).toEqual([]);
    },
  );
});
