/**
 * The README's walkthrough as a script: the bash blocks between its `walkthrough:start` and
 * `walkthrough:end` markers, in order. The system tier runs them against `npm start`
 * (test/local/readmeWalkthrough.test.ts); the unit tier checks they are there (test/docs.test.ts),
 * so a README edit that loses the markers fails fast rather than minutes into the system tier.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const readmePath = join(__dirname, '..', '..', 'README.md');

const start = '<!-- walkthrough:start -->';
const end = '<!-- walkthrough:end -->';

/** The bash (or sh) fenced blocks of the walkthrough section, each without its fences. */
export function walkthroughBlocks(markdown = readFileSync(readmePath, 'utf8')): string[] {
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} section`);
  const section = markdown.slice(from + start.length, to);
  return [...section.matchAll(/^```(?:bash|sh)\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}
