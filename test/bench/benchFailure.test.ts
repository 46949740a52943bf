/**
 * A run that fails part-way must keep what it measured: at N = 50,000 a phase takes half an hour,
 * and a failure in the last one once took the figures of all the others with it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkOutcome, BenchmarkReport } from '../../bench/benchmarkReport';
import { runBenchmark } from '../../bench/harness';

describe('npm run bench, a run failing after its first phase (N = 20)', () => {
  let resultsDir: string;
  let outcome: BenchmarkOutcome;

  beforeAll(async () => {
    resultsDir = await mkdtemp(join(tmpdir(), 'clouddr-bench-failure-'));
    outcome = await runBenchmark({
      devices: [20],
      runs: 1,
      only: 'cycle',
      resultsDir,
      // The cycle's figures are checkpointed before the floor runs; the floor then fails.
      log: (line) => {
        if (line.startsWith('[bench]   floor:')) throw new Error('the floor failed (injected)');
      },
      timeoutMs: () => 180_000,
    });
  }, 600_000);

  afterAll(async () => {
    if (resultsDir) await rm(resultsDir, { recursive: true, force: true });
  });

  it('reports the failure with the figures of the phase it had done', async () => {
    const [size] = outcome.report.sizes;
    expect(size?.runs).toEqual([]);
    expect(size?.failures).toHaveLength(1);
    const failure = size!.failures[0]!;
    expect(failure.error).toBe('the floor failed (injected)');
    expect(failure.phasesDone?.map((p) => p.phase)).toEqual(['cycle']);
    expect(failure.phasesDone?.[0]?.figures).toHaveProperty('cycleSeconds', expect.any(Number));
    expect(failure.phasesDone?.[0]?.figures).not.toHaveProperty('floorSeconds');

    // The same in what is written: the JSON, and the Markdown's note on the failure.
    const written = JSON.parse(await readFile(outcome.jsonFile, 'utf8')) as BenchmarkReport;
    expect(written.inProgress).toBeUndefined();
    expect(written.sizes[0]!.failures[0]!.phasesDone).toEqual(failure.phasesDone);
    const markdown = await readFile(outcome.markdownFile, 'utf8');
    expect(markdown).toContain(
      '- N = 20, run 1 did not finish: the floor failed (injected); the phases it had done:',
    );
    expect(markdown).toMatch(/^ {2}- cycle: .*cycleSeconds \d/m);
  });
});
