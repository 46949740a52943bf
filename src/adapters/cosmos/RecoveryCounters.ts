/**
 * The counts of an activation's recovery tasks per `{wave}.{state}`. Each shard of `recoveries`
 * holds one counter document per writing control-plane region, `counter:{region}`: every task write
 * and its counter move go in one transactional batch, so counts are exact and read cheaply. A
 * region patches only its own counter (multi-region writes would lose increments to
 * last-writer-wins); counts of one key may be spread over regions, even negative in one, so only
 * sums mean anything.
 */
import type { Container, OperationInput } from '@azure/cosmos';
import type { RecoveryState, RecoveryTask, WaveCounts } from '../../domain/recoveryTask';
import { patchOperation } from './cosmosBatch';
import { statusOf } from './statusOf';

interface CounterDocument {
  id: string;
  type: 'counter';
  activationId: string;
  partition: string;
  region: string;
  /** Tasks per `{wave}.{state}`, as moved by this region. */
  counts: Record<string, number>;
}

/** Cosmos DB accepts at most 10 operations in one patch. */
const incrementsPerPatch = 10;

export class RecoveryCounters {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly recoveries: Container,
    /** The control-plane region this process writes from: it owns that region's counters. */
    private readonly region: string,
  ) {}

  private get id(): string {
    return `counter:${this.region}`;
  }

  /** Creates this region's counter in the partition once; a concurrent creator winning is as good. */
  async ensure(activationId: string, partition: string): Promise<void> {
    if (this.ensured.has(partition)) return;
    const counter: CounterDocument = {
      id: this.id,
      type: 'counter',
      activationId,
      partition,
      region: this.region,
      counts: {},
    };
    try {
      await this.recoveries.items.create(counter);
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
    }
    this.ensured.add(partition);
  }

  /** Patches of this region's counter adding `tasks`, at most 10 increments a patch. */
  adding(tasks: readonly RecoveryTask[]): OperationInput[] {
    const added = new Map<string, number>();
    for (const task of tasks) {
      const key = countKey(task.wave, task.state);
      added.set(key, (added.get(key) ?? 0) + 1);
    }
    const increments = [...added].map(([key, value]) => ({ op: 'incr', path: `/counts/${key}`, value }));
    const patches: OperationInput[] = [];
    for (let start = 0; start < increments.length; start += incrementsPerPatch) {
      patches.push(patchOperation(this.id, increments.slice(start, start + incrementsPerPatch)));
    }
    return patches;
  }

  /** The patch moving one task's count from where `from` is counted to where `to` is; none when that is the same. */
  moving(from: RecoveryTask, to: RecoveryTask): OperationInput | undefined {
    const fromKey = countKey(from.wave, from.state);
    const toKey = countKey(to.wave, to.state);
    if (fromKey === toKey) return undefined;
    return patchOperation(this.id, [
      { op: 'incr', path: `/counts/${fromKey}`, value: -1 },
      { op: 'incr', path: `/counts/${toKey}`, value: 1 },
    ]);
  }

  /** Counts per wave and state, summed over the shards and the regions. */
  async sum(activationId: string): Promise<WaveCounts> {
    const { resources } = await this.recoveries.items
      .query<CounterDocument>({
        query: "SELECT * FROM c WHERE c.type = 'counter' AND c.activationId = @activation",
        parameters: [{ name: '@activation', value: activationId }],
      })
      .fetchAll();
    const sums = new Map<string, number>();
    for (const document of resources) {
      for (const [key, count] of Object.entries(document.counts)) sums.set(key, (sums.get(key) ?? 0) + count);
    }
    const counts: WaveCounts = {};
    for (const [key, count] of sums) {
      // A key every task has left again sums to 0: left out, as if never counted.
      if (count === 0) continue;
      const { wave, state } = parseCountKey(key);
      counts[wave] = { ...counts[wave], [state]: count };
    }
    return counts;
  }
}

function countKey(wave: number, state: RecoveryState): string {
  return `${wave}.${state}`;
}

function parseCountKey(key: string): { wave: number; state: RecoveryState } {
  const dot = key.indexOf('.');
  return { wave: Number(key.slice(0, dot)), state: key.slice(dot + 1) as RecoveryState };
}
