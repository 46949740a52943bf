/**
 * The files a benchmark writes, again after each run and each phase so one stopped early keeps
 * what it measured: `<results>/<ISO timestamp>.json` (every figure) and `<results>/latest.md`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import type { BenchmarkReport, SizeResult } from './benchmarkReport';
import { commitInfo, machineInfo, type CommitInfo } from './machine';
import { formatMarkdown } from './report';
import type { RecordedSettings } from './settings';
import { checkTargets } from './targets';

export class ReportFiles {
  readonly jsonFile: string;
  readonly markdownFile: string;
  private readonly startedAt = new Date();
  private readonly loadAtStart = loadavg();
  // Read once, before the first save: the report's own files would show as changes after it.
  private readonly commit: CommitInfo = commitInfo(join(__dirname, '..'));

  private constructor(
    resultsDir: string,
    private readonly settings: RecordedSettings,
  ) {
    this.jsonFile = join(resultsDir, resultFileName(this.startedAt));
    this.markdownFile = join(resultsDir, 'latest.md');
  }

  /** Takes the start time, the load average and the commit now, and makes the folder. */
  static async create(resultsDir: string, settings: RecordedSettings): Promise<ReportFiles> {
    const files = new ReportFiles(resultsDir, settings);
    await mkdir(resultsDir, { recursive: true });
    return files;
  }

  /** Writes both files; `inProgress` marks a benchmark not finished yet. */
  async save(sizes: SizeResult[], inProgress?: BenchmarkReport['inProgress']): Promise<BenchmarkReport> {
    const report: BenchmarkReport = {
      startedAt: this.startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      ...(inProgress ? { inProgress } : {}),
      machine: machineInfo(this.loadAtStart),
      commit: this.commit,
      settings: this.settings,
      sizes,
      targets: checkTargets(sizes),
    };
    await writeFile(this.jsonFile, await formatJson(report, this.jsonFile));
    await writeFile(this.markdownFile, formatMarkdown(report, this.jsonFile));
    return report;
  }
}

/** `2026-03-02T10-15-00.123Z.json`: the ISO time, with `-` for `:` so any file system takes it. */
export function resultFileName(at: Date): string {
  return `${at.toISOString().replace(/:/g, '-')}.json`;
}

/** Indented JSON as the repository's Prettier settings print it, so `npm run format` leaves results alone. */
async function formatJson(value: unknown, file: string): Promise<string> {
  const json = `${JSON.stringify(value, null, 2)}\n`;
  try {
    return await prettier.format(json, { ...(await prettier.resolveConfig(file)), parser: 'json' });
  } catch {
    return json;
  }
}
