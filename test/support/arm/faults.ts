/** Injected failures, latencies, unreachable regions and copy faults; each returns a remover. */
import type {
  CopyFault,
  FaultRule,
  HttpFault,
  LatencyFault,
  RequestMatch,
  UnreachableRegionFault,
} from './types';

interface Entry<T> {
  rule: T;
  remaining: number;
}

export interface RequestFacts {
  method: string;
  path: string;
  principalId: string;
  /** Location of the resource the call is about, when the double knows it (read only when needed). */
  readonly location: string | undefined;
}

export class FaultBook {
  private readonly http: Entry<HttpFault>[] = [];
  private readonly latency: Entry<LatencyFault>[] = [];
  private readonly regions: Entry<UnreachableRegionFault>[] = [];
  private readonly copies: Entry<CopyFault>[] = [];
  /** Called when an unreachable-region rule is removed: releases the calls it holds. */
  onRegionRestored: (region: string) => void = () => undefined;

  add(rule: FaultRule): () => void {
    if ('unreachableRegion' in rule)
      return this.push(this.regions, rule, () => this.onRegionRestored(rule.unreachableRegion));
    if ('copy' in rule) return this.push(this.copies, rule);
    if ('latencyMs' in rule) return this.push(this.latency, rule);
    if ('status' in rule) return this.push(this.http, rule);
    throw new TypeError(`Unknown fault rule ${JSON.stringify(rule)}`);
  }

  private push<T extends FaultRule>(list: Entry<T>[], rule: T, onRemove?: () => void): () => void {
    const times = 'times' in rule ? rule.times : undefined;
    const entry = { rule, remaining: times ?? Number.POSITIVE_INFINITY };
    list.push(entry);
    return () => {
      const index = list.indexOf(entry);
      if (index >= 0) list.splice(index, 1);
      onRemove?.();
    };
  }

  unreachable(facts: RequestFacts): UnreachableRegionFault | undefined {
    // Without a rule the request's location is not asked for (looking it up has a cost).
    if (this.regions.length === 0 || !facts.location) return undefined;
    const location = facts.location.toLowerCase().replace(/\s+/g, '');
    return this.regions.find((e) => e.rule.unreachableRegion.toLowerCase().replace(/\s+/g, '') === location)
      ?.rule;
  }

  takeHttp(facts: RequestFacts): HttpFault | undefined {
    return take(this.http, (rule) => matches(rule.match, facts));
  }

  takeLatency(facts: RequestFacts): number {
    return take(this.latency, (rule) => matches(rule.match, facts))?.latencyMs ?? 0;
  }

  takeCopy(targetId: string, sourceId: string): CopyFault | undefined {
    return take(this.copies, (rule) => {
      const m = rule.match;
      return (
        (!m?.targetIncludes || targetId.toLowerCase().includes(m.targetIncludes.toLowerCase())) &&
        (!m?.sourceIncludes || sourceId.toLowerCase().includes(m.sourceIncludes.toLowerCase()))
      );
    });
  }
}

function take<T>(list: Entry<T>[], predicate: (rule: T) => boolean): T | undefined {
  const entry = list.find((e) => e.remaining > 0 && predicate(e.rule));
  if (!entry) return undefined;
  entry.remaining -= 1;
  if (entry.remaining <= 0) list.splice(list.indexOf(entry), 1);
  return entry.rule;
}

function matches(match: RequestMatch | undefined, facts: RequestFacts): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== facts.method) return false;
  if (match.pathIncludes && !facts.path.toLowerCase().includes(match.pathIncludes.toLowerCase()))
    return false;
  if (match.principalId && match.principalId !== facts.principalId) return false;
  return true;
}
