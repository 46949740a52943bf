/**
 * What the portal benchmark reports: per page, the cold loads' times to ready (p50 / p95 / max)
 * against the issue's 2-second target, the list requests' own times, and every API answer the
 * portal got with its longest list against the page size it asked for.
 */
import type { TargetCheck } from './benchmarkReport';
import type { CommitInfo, MachineInfo } from './machine';
import type { PageSample, PortalPage } from './portalProbe';
import { percentile } from './stats';
import type { PageAnswer } from '../test/support/pageAnswers';

/** The issue's target: the first page interactive in under 2 s. */
export const readyTargetMs = 2_000;

export interface Spread {
  p50?: number;
  p95?: number;
  max?: number;
}

export interface PageFigures {
  page: PortalPage;
  runs: number;
  /** The unmeasured first load (the emulator's and the control plane's first query of the fleet). */
  warmup: PageSample;
  samples: PageSample[];
  readyMs: Spread;
  nextPageMs: Spread;
  apiMs: Record<string, Spread>;
  failures: string[];
}

/** Answers grouped by request path (ids replaced), with the longest list each held. */
export interface AnswerGroup {
  request: string;
  answers: number;
  pageSizes: number[];
  longestPage: number;
  lists: Record<string, number>;
  overPage: number;
  /** Answers whose body the browser no longer held when read (the page closed first). */
  unread: number;
}

export interface PortalReport {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  commit: CommitInfo;
  settings: { devices: number; runs: number; portalDir: string; timeoutMs: number };
  setup: {
    emulatorsSeconds: number;
    portalBuildSeconds: number;
    seedSeconds: number;
    cosmosWriteSeconds: number;
    byStatus: Record<string, number>;
  };
  pages: PageFigures[];
  answers: AnswerGroup[];
  targets: TargetCheck[];
}

export function spread(values: readonly number[]): Spread {
  const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v));
  return {
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    max: round(values.length ? Math.max(...values) : undefined),
  };
}

export function groupAnswers(answers: readonly PageAnswer[]): AnswerGroup[] {
  const groups = new Map<string, AnswerGroup>();
  for (const a of answers) {
    const path = new URL(a.url).pathname
      .replace(/\/tenants\/[^/]+/, '/tenants/{t}')
      .replace(/\/(devices|activations)\/[^/]+/, '/$1/{id}');
    const key = `${a.method} ${path}`;
    const group = groups.get(key) ?? {
      request: key,
      answers: 0,
      pageSizes: [],
      longestPage: 0,
      lists: {},
      overPage: 0,
      unread: 0,
    };
    group.answers += 1;
    if (!group.pageSizes.includes(a.pageSize)) group.pageSizes.push(a.pageSize);
    group.longestPage = Math.max(group.longestPage, a.longestPage);
    for (const [name, length] of Object.entries(a.lists))
      group.lists[name] = Math.max(group.lists[name] ?? 0, length);
    if (a.longestPage > a.pageSize) group.overPage += 1;
    if (a.unread) group.unread += 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}

const ms = (v: number | undefined) => (v === undefined ? 'n/a' : v.toLocaleString('en-US'));

export function formatPortalReport(r: PortalReport): string {
  const pages = r.pages.map((p) => {
    const api = Object.entries(p.apiMs)
      .map(([kind, s]) => `${kind} ${ms(s.p50)} / ${ms(s.max)}`)
      .join('; ');
    return `| ${p.page} | ${r.settings.devices.toLocaleString('en-US')} | ${p.samples.length - p.failures.length} of ${p.runs} | ${ms(p.readyMs.p50)} | ${ms(p.readyMs.p95)} | ${ms(p.readyMs.max)} | ${p.readyMs.p95 !== undefined && p.failures.length === 0 && p.readyMs.p95 < readyTargetMs ? 'met' : 'NOT met'} | ${ms(p.warmup.readyMs === undefined ? undefined : Math.round(p.warmup.readyMs))} | ${p.page !== 'fleet' ? `${ms(p.nextPageMs.p50)} / ${ms(p.nextPageMs.max)}` : '—'} | ${api} |`;
  });
  const answers = r.answers.map(
    (g) =>
      `| ${g.request} | ${g.answers} | ${g.pageSizes.join(', ')} | ${Object.entries(g.lists)
        .map(([name, n]) => `${name} ${n}`)
        .join(', ')} | ${g.longestPage} | ${g.overPage} | ${g.unread} |`,
  );
  return [
    `Cold page loads, ms from the navigation's start to ready (target < ${readyTargetMs.toLocaleString('en-US')} ms)`,
    '',
    '| page | devices | runs | p50 | p95 | max | target (p95, no failure) | first load (warm-up) | next page p50 / max | list requests p50 / max |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |',
    ...pages,
    '',
    'Every API answer the portal got (warm-up and runs)',
    '',
    '| request | answers | page size asked | longest array by key | longest page | over page | body unread |',
    '| --- | ---: | --- | --- | ---: | ---: | ---: |',
    ...answers,
    '',
    `Set-up: emulators ${r.setup.emulatorsSeconds} s, portal build ${r.setup.portalBuildSeconds} s, fleet ${r.setup.seedSeconds} s (Cosmos writes ${r.setup.cosmosWriteSeconds} s); ` +
      `load average ${r.machine.loadAverage.atStart.join(' ')} at the start, ${r.machine.loadAverage.atEnd.join(' ')} at the end; ` +
      `${r.machine.cpus} × ${r.machine.model}; commit ${r.commit.sha.slice(0, 7)}${r.commit.dirty ? ' (dirty)' : ''}`,
    ...r.pages.flatMap((p) => p.failures.map((f) => `- ${p.page} failed: ${f}`)),
  ].join('\n');
}
