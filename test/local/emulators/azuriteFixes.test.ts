/**
 * The fixes `azuriteProcess` installs into Azurite's LokiJS, checked in this process on Loki
 * collections shaped like Azurite's (and on Azurite's own queue store): each must leave results
 * exactly as they were, and do the work the fix is for without the whole-collection pass it removes.
 * Every other test runs against an Azurite with these fixes installed, through the storage SDKs.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  azuriteLoki,
  requireFromAzurite,
  type LokiCollection,
} from '../../../src/local/emulators/azuriteLoki';
import {
  extentDeleteBatch,
  installBatchedExtentDeletes,
} from '../../../src/local/emulators/batchedExtentDeletes';
import {
  incrementalBatchLimit,
  installIncrementalBatches,
} from '../../../src/local/emulators/incrementalBatches';
import {
  azuriteGetMessages,
  installOldestVisibleMessages,
} from '../../../src/local/emulators/oldestVisibleMessages';
import {
  indexedMessageTimes,
  installQueueTimeIndexes,
  queueMetadataStore,
} from '../../../src/local/emulators/queueTimeIndexes';
import {
  asPrefixRange,
  installSelectiveLookups,
  mostSelectiveFirst,
} from '../../../src/local/emulators/selectiveLookups';

interface Blob {
  $loki?: number;
  accountName: string;
  containerName: string;
  name: string;
  snapshot: string;
  size: number;
}

interface Message {
  $loki?: number;
  queueName: string;
  visible: number;
}

interface Collection<T> extends LokiCollection {
  insert(doc: T[]): void;
  find(query?: object): (T & { $loki: number })[];
  findOne(query: object): (T & { $loki: number }) | null;
  findAndRemove(query: object): void;
  chain(): {
    find(query: object): {
      remove(): void;
      compoundsort(fields: [string, boolean][]): { limit(n: number): { data(): (T & { $loki: number })[] } };
    };
  };
}

const LokiDb = azuriteLoki() as unknown as new (
  name: string,
  options: object,
) => {
  addCollection<T>(name: string, options: { indices: string[] }): Collection<T>;
};

beforeAll(() => {
  installSelectiveLookups();
  installIncrementalBatches();
  installQueueTimeIndexes();
  installOldestVisibleMessages();
  installBatchedExtentDeletes();
});

/** An in-memory Loki collection holding `docs`, indexed on `indices`. */
function collectionOf<T>(indices: string[], docs: T[]): Collection<T> {
  const collection = new LokiDb('test', { persistenceMethod: 'memory' }).addCollection<T>('docs', {
    indices,
  });
  collection.insert(docs);
  return collection;
}

/** Azurite's blob collection: every blob of an account shares `accountName`, its first field. */
function blobCollection(count: number): Collection<Blob> {
  return collectionOf(
    ['accountName', 'containerName', 'name', 'snapshot', 'size'],
    Array.from({ length: count }, (_, i) => ({
      accountName: i % 5 === 0 ? 'backup' : 'primary',
      containerName: i % 3 === 0 ? 'snapshots' : 'disks',
      name: `device-${i % (count / 2)}`,
      snapshot: i % 4 === 0 ? `2026-11-22T00:00:0${i % 10}Z` : '',
      size: i % 17,
    })),
  );
}

function matches(blob: Blob, query: Record<string, unknown>): boolean {
  return Object.entries(query).every(([field, condition]) => {
    const value = blob[field as keyof Blob] as number;
    if (typeof condition !== 'object' || condition === null) return value === condition;
    const [[operator, bound]] = Object.entries(condition) as [[string, number]];
    return { $lt: value < bound, $lte: value <= bound, $gt: value > bound, $gte: value >= bound }[operator];
  });
}

const ids = (docs: { $loki: number }[]) => docs.map((doc) => doc.$loki).sort((a, b) => a - b);

describe('selectiveLookups', () => {
  it('puts the field whose index matches fewest rows first', () => {
    const blobs = blobCollection(2_000);
    const query = { accountName: 'primary', containerName: 'disks', name: 'device-7', snapshot: '' };
    expect(Object.keys(mostSelectiveFirst(blobs, query) as object)[0]).toBe('name');
    expect(
      Object.keys(mostSelectiveFirst(blobs, { accountName: 'primary', size: { $lt: 1 } }) as object)[0],
    ).toBe('size');
    // A query that cannot use an index for a better field stays as it is.
    const untouched = [
      { name: 'device-7' },
      { $and: [{ name: 'x' }, { size: 1 }] },
      { accountName: 'x', other: 1 },
    ];
    for (const one of untouched) expect(mostSelectiveFirst(blobs, one)).toBe(one);
  });

  it('finds exactly the documents a full scan finds', () => {
    const blobs = blobCollection(2_000);
    const all = blobs.find();
    const queries: Record<string, unknown>[] = [
      { accountName: 'primary', containerName: 'disks', name: 'device-7', snapshot: '' },
      { accountName: 'backup', containerName: 'snapshots', name: 'device-15' },
      { accountName: 'primary', name: 'device-999', snapshot: { $gt: '' } },
      { accountName: 'primary', containerName: 'disks', size: { $lte: 2 } },
      { accountName: 'primary', containerName: 'nowhere', name: 'device-1' },
      { accountName: 'backup', name: 'no-such-device' },
      { size: { $gte: 16 }, containerName: 'snapshots' },
    ];
    for (const query of queries) {
      const expected = ids(all.filter((blob) => matches(blob, query)));
      expect(ids(blobs.find(query)), JSON.stringify(query)).toEqual(expected);
      const one = blobs.findOne(query);
      expect(one ? expected.includes(one.$loki) : expected.length === 0, JSON.stringify(query)).toBe(true);
    }
  });
});

describe('selectiveLookups: listing by prefix', () => {
  /** Names Loki's index sorts in different groups: numbers (by value), then strings, and edge cases. */
  const names = [
    ...['1', '10', '2', '1e5', 'Infinity', ' 7', '0x1f', '-3', '', '1/a', '1/b', '10/a', '2/a'],
    ...['a', 'a/', 'a/1', 'a/10', 'a/2', 'a/b/c', 'a/b-c', 'a0', 'a.b', 'b/x', 'x\uffff', 'x\uffff/1'],
    ...['t1/dev-1/9223', 't1/dev-1/9224', 't1/dev-10/1', 't1/dev-1', 't1/dev-2/1', 't2/dev-1/1'],
  ];

  function namedCollection(): Collection<Blob> {
    return collectionOf(
      ['accountName', 'containerName', 'name'],
      names.flatMap((name, i) =>
        Array.from({ length: 4 }, (_, copy) => ({
          accountName: copy % 2 === 0 ? 'backup' : 'primary',
          containerName: 'points',
          name,
          snapshot: '',
          size: i,
        })),
      ),
    );
  }

  /** As Azurite escapes a listing's prefix into a pattern. */
  const pattern = (prefix: string) => `^${prefix.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}`;

  it('finds exactly the names a full scan finds, for every prefix', () => {
    const blobs = namedCollection();
    const all = blobs.find();
    const prefixes = [
      't1/dev-1/',
      't1/dev-1',
      't1/',
      'a/',
      'a/b',
      'a',
      '1/',
      '1',
      '10/',
      'x\uffff',
      'x',
      '',
      'zzz/',
    ];
    for (const prefix of prefixes) {
      const query = { accountName: 'backup', containerName: 'points', name: { $regex: pattern(prefix) } };
      const expected = ids(all.filter((b) => b.accountName === 'backup' && b.name.startsWith(prefix)));
      expect(ids(blobs.find(query)), prefix).toEqual(expected);
      expect(ids(blobs.find({ name: { $regex: pattern(prefix) } })), prefix).toEqual(
        ids(all.filter((b) => b.name.startsWith(prefix))),
      );
    }
  });

  it('leads with the index range of a prefix no number can start, and leaves other patterns alone', () => {
    const blobs = namedCollection();
    const query = { accountName: 'backup', containerName: 'points', name: { $regex: pattern('t1/dev-1/') } };
    expect(mostSelectiveFirst(blobs, query)).toEqual({
      $and: [{ name: { $between: ['t1/dev-1/', 't1/dev-10'] } }, query],
    });
    expect(asPrefixRange({ $regex: pattern('a/') })).toEqual({ operator: '$between', value: ['a/', 'a0'] });
    // Names with these could read as numbers, or the pattern is not a plain prefix.
    for (const regex of [
      pattern('1'),
      pattern('dev-1'),
      pattern('1e'),
      '^a/.*',
      '^a\\d/',
      'a/',
      '^',
      pattern('/'),
    ])
      expect(asPrefixRange({ $regex: regex }), regex).toBeUndefined();
    expect(asPrefixRange({ $regex: /^a\// })).toBeUndefined();
  });
});

describe('incrementalBatches', () => {
  it('removes and updates small batches without rebuilding an index, and the indexes stay right', () => {
    const blobs = blobCollection(2_000);
    const rebuild = vi.spyOn(blobs, 'ensureAllIndexes');
    const ensure = vi.spyOn(blobs, 'ensureIndex');

    blobs.remove([]);
    blobs.findAndRemove({ accountName: 'primary', name: 'device-3' });
    blobs.remove(blobs.find({ name: 'device-4' }));
    blobs.chain().find({ size: 5, containerName: 'snapshots' }).remove();
    const touched = blobs.find({ name: 'device-8' });
    for (const blob of touched) blob.size = 99;
    blobs.update(touched);

    expect(rebuild).not.toHaveBeenCalled();
    expect(ensure).not.toHaveBeenCalled();
    const all = blobs.find();
    expect(all.some((blob) => blob.name === 'device-3' && blob.accountName === 'primary')).toBe(false);
    expect(all.some((blob) => blob.name === 'device-4')).toBe(false);
    // Every index answers as a scan would, including for values that moved or went.
    for (const query of [
      { size: 99 },
      { size: 5 },
      { name: 'device-3' },
      { name: 'device-4' },
      { snapshot: '' },
    ]) {
      expect(ids(blobs.find(query)), JSON.stringify(query)).toEqual(
        ids(all.filter((blob) => matches(blob, query))),
      );
    }
  });

  it('updates a batch whose documents were changed in place first, as a queue receive does', () => {
    const messages = collectionOf<Message>(
      ['queueName', 'visible'],
      Array.from({ length: 500 }, (_, i) => ({ queueName: 'q', visible: (i * 7919) % 500 })),
    );
    for (let round = 0; round < 20; round += 1) {
      // Azurite's getMessages: the first 32 visible, each given a later visible time, then one update.
      const now = 250 + round * 10;
      const due = messages
        .chain()
        .find({ queueName: 'q', visible: { $lte: now } })
        .compoundsort([['visible', false]])
        .limit(32)
        .data();
      // Other queues share the index, so new times land anywhere in it, among entries not yet moved.
      for (const message of due) message.visible = (message.$loki * 31 + round * 17) % 600;
      messages.update(due);
      // Azurite's delete: some of them go, one at a time, found through the index.
      for (const message of due.slice(0, 8)) messages.remove(message);
    }
    const all = messages.find();
    expect(all).toHaveLength(500 - 20 * 8);
    for (const index of Object.values(messages.binaryIndices)) {
      expect([...index.values].sort((a, b) => a - b)).toEqual(all.map((_, position) => position));
    }
    for (const bound of [0, 100, 300, 400, 450, 600])
      expect(ids(messages.find({ visible: { $lte: bound } })), String(bound)).toEqual(
        ids(all.filter((message) => message.visible <= bound)),
      );
  });

  it('leaves a large batch to Loki, with the same result', () => {
    const blobs = blobCollection(2_000);
    const rebuild = vi.spyOn(blobs, 'ensureAllIndexes');
    const doomed = blobs.find({ accountName: 'backup' });
    expect(doomed.length).toBeGreaterThan(incrementalBatchLimit);
    blobs.remove(doomed);
    expect(rebuild).toHaveBeenCalled();
    expect(blobs.find({ accountName: 'backup' })).toEqual([]);
    expect(blobs.find()).toHaveLength(2_000 - doomed.length);
  });
});

describe('queueTimeIndexes', () => {
  it("indexes the queue's message times, and a receive still skips and clears expired messages", async () => {
    const Store = queueMetadataStore() as unknown as new (path: string, inMemory: boolean) => QueueStore;
    const store = new Store('queue-fixes-test', true);
    await store.init();
    const messages = store.db.getCollection(store.MESSAGES_COLLECTION)!;
    for (const field of indexedMessageTimes) expect(messages.binaryIndices[field]).toBeDefined();

    await store.createQueue({ accountName: 'a', name: 'q' });
    const now = Date.now();
    for (let i = 0; i < 50; i++) {
      await store.insertMessage({
        accountName: 'a',
        queueName: 'q',
        messageId: `m${i}`,
        popReceipt: 'p',
        timeNextVisible: new Date(now - 1_000 + (i % 2) * 60_000), // odd ones not visible yet
        persistency: { id: 'x', offset: 0, count: 1 },
        insertionTime: new Date(now - 5_000),
        expirationTime: new Date(now + (i < 10 ? -1_000 : 600_000)), // the first ten expired
        dequeueCount: 0,
      });
    }
    const received = await store.getMessages('a', 'q', new Date(now + 30_000), 'r', 32, new Date(now));
    const expected = Array.from({ length: 50 }, (_, i) => i).filter((i) => i >= 10 && i % 2 === 0);
    expect(received.map((m) => m.messageId).sort()).toEqual(expected.map((i) => `m${i}`).sort());
    expect(messages.find({ messageId: 'm0' })).toEqual([]);
    expect(messages.find()).toHaveLength(40);
  });
});

describe('oldestVisibleMessages', () => {
  type Receive = QueueStore['getMessages'];
  const Store = () => queueMetadataStore() as unknown as new (path: string, inMemory: boolean) => QueueStore;
  const original = () =>
    (queueMetadataStore().prototype as unknown as Record<symbol, Receive>)[azuriteGetMessages]!;

  /** A store with three queues' messages: ties in visible time, some not visible yet, some expired. */
  async function storeWithMessages(now: number): Promise<QueueStore> {
    const store = new (Store())('oldest-visible-test', true);
    await store.init();
    for (const accountName of ['a', 'b'])
      for (const name of ['q', 'other']) await store.createQueue({ accountName, name });
    for (let i = 0; i < 600; i++) {
      await store.insertMessage({
        accountName: i % 7 === 0 ? 'b' : 'a',
        queueName: i % 5 === 0 ? 'other' : 'q',
        messageId: `m${i}`,
        popReceipt: 'p',
        // Many share a millisecond (as a batch of sends does); every ninth is not visible yet.
        timeNextVisible: new Date(now - 10_000 + Math.floor(i / 4) * 10 + (i % 9 === 0 ? 60_000 : 0)),
        persistency: { id: 'x', offset: 0, count: 1 },
        insertionTime: new Date(now - 20_000),
        expirationTime: new Date(now + (i % 50 === 0 ? -1_000 : 600_000)),
        dequeueCount: 0,
      });
    }
    return store;
  }

  const stateOf = (store: QueueStore) =>
    (store.db.getCollection(store.MESSAGES_COLLECTION)!.find() as Record<string, unknown>[])
      .map(({ messageId, timeNextVisible, popReceipt, dequeueCount }) => ({
        messageId,
        timeNextVisible,
        popReceipt,
        dequeueCount,
      }))
      .sort((x, y) => String(x.messageId).localeCompare(String(y.messageId)));

  it("receives the messages Azurite's own receive does, in its order, and leaves the store as it does", async () => {
    const now = Date.now();
    const [azurite, indexed] = [await storeWithMessages(now), await storeWithMessages(now)];
    // Receives of every size, at times that make more messages visible (some at exactly their
    // visible time), some hiding what they receive for so short that it comes back in a later one.
    // Messages become visible about as fast as they are received, so receives reach the newest.
    for (let round = 0; round < 60; round++) {
      const at = new Date(now - 10_000 + round * 40);
      const count = [1, 32, 5, 7][round % 4]!;
      const hideFor = round % 3 === 0 ? 300 : 30_000;
      const args: Parameters<Receive> = ['a', 'q', new Date(at.getTime() + hideFor), `r${round}`, count, at];
      const expected = await original().apply(azurite, args);
      const received = await indexed.getMessages(...args);
      expect(
        received.map((m) => m.messageId),
        `round ${round}`,
      ).toEqual(expected.map((m) => m.messageId));
      expect(received).toEqual(expected);
    }
    expect(stateOf(indexed)).toEqual(stateOf(azurite));
  });

  it('finds them from the index, without sorting every visible message', async () => {
    const store = await storeWithMessages(Date.now());
    const sort = vi.spyOn(
      azuriteLoki().Resultset.prototype as unknown as { compoundsort(): unknown },
      'compoundsort',
    );
    try {
      const received = await store.getMessages('a', 'q', new Date(Date.now() + 30_000), 'r', 32, new Date());
      expect(received).toHaveLength(32);
      expect(sort).not.toHaveBeenCalled();
    } finally {
      sort.mockRestore();
    }
  });
});

interface QueueStore {
  db: { getCollection(name: string): Collection<object> | null };
  MESSAGES_COLLECTION: string;
  init(): Promise<void>;
  createQueue(queue: { accountName: string; name: string }): Promise<unknown>;
  insertMessage(message: object): Promise<void>;
  getMessages(
    account: string,
    queue: string,
    timeNextVisible: Date,
    popReceipt: string,
    count: number,
    at: Date,
  ): Promise<{ messageId: string }[]>;
}

describe('batchedExtentDeletes', () => {
  interface ExtentStore {
    init(): Promise<void>;
    deleteExtents(ids: Iterable<string>): Promise<number>;
  }
  interface Chunks {
    set(category: string, chunk: { id: string; count: number }): void;
    get(category: string, id: string): unknown;
  }
  interface ExtentMetadata {
    db: { getCollection(name: string): { find(): { id: string }[] } };
    EXTENTS_COLLECTION: string;
    updateExtent(extent: object): Promise<void>;
  }
  const persistence = (name: string) =>
    requireFromAzurite(`./common/persistence/${name}.js`) as Record<string, unknown>;

  /** Azurite's in-memory extent store with `count` one-byte extents, `e0` onwards. */
  async function storeWith(count: number) {
    const Metadata = persistence('LokiExtentMetadataStore').default as new (
      path: string,
      inMemory: boolean,
    ) => ExtentMetadata;
    const { default: Store, MemoryExtentChunkStore } = persistence('MemoryExtentStore') as {
      default: new (
        category: string,
        chunks: Chunks,
        metadata: ExtentMetadata,
        logger: object,
        makeError: unknown,
      ) => ExtentStore;
      MemoryExtentChunkStore: new (limit?: number) => Chunks;
    };
    const metadata = new Metadata('extents-test', true);
    const chunks = new MemoryExtentChunkStore();
    const quiet = { info: () => undefined, debug: () => undefined, error: () => undefined };
    const store = new Store('blob', chunks, metadata, quiet, () => new Error('unexpected'));
    await store.init();
    for (let i = 0; i < count; i++) {
      chunks.set('blob', { id: `e${i}`, count: 1 });
      await metadata.updateExtent({
        id: `e${i}`,
        locationId: 'memory',
        path: `e${i}`,
        size: 1,
        lastModifiedInMS: 0,
      });
    }
    const left = () =>
      metadata.db
        .getCollection(metadata.EXTENTS_COLLECTION)
        .find()
        .map((extent) => extent.id)
        .sort();
    return { store, chunks, left };
  }

  it('deletes exactly the extents given, their bytes and their records, and counts them', async () => {
    const { store, chunks, left } = await storeWith(3 * extentDeleteBatch);
    // Every other extent, so each batch removes records from all over the collection.
    const doomed = Array.from({ length: 3 * extentDeleteBatch }, (_, i) => `e${i}`).filter(
      (_, i) => i % 2 === 0,
    );
    expect(await store.deleteExtents(new Set(doomed))).toBe(doomed.length);
    const kept = Array.from({ length: 3 * extentDeleteBatch }, (_, i) => `e${i}`).filter(
      (_, i) => i % 2 === 1,
    );
    expect(left()).toEqual([...kept].sort());
    expect(doomed.filter((id) => chunks.get('blob', id) !== undefined)).toEqual([]);
    expect(kept.filter((id) => chunks.get('blob', id) === undefined)).toEqual([]);
  });

  it('lets other work in between batches rather than after all of them', async () => {
    const { store } = await storeWith(3 * extentDeleteBatch);
    const order: string[] = [];
    setImmediate(() => order.push('a request served'));
    await store.deleteExtents(Array.from({ length: 3 * extentDeleteBatch }, (_, i) => `e${i}`));
    order.push('deleted');
    expect(order).toEqual(['a request served', 'deleted']);
  });
});
