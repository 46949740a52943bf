/**
 * Azurite's queue clears expired messages before every receive, peek, update and delete, with a
 * query on `expirationTime`, and receives with one on `timeNextVisible`; neither field is indexed
 * (the collection declares an index on `visibleTime`, a field its messages do not have). So each of
 * those requests scanned every message of the account. Indexing both fields lets
 * `selectiveLookups` answer "expired by now" (usually nothing) and "visible by now" from an index.
 */
import { azuriteLoki, checkAzuritePackages, requireFromAzurite, type LokiCollection } from './azuriteLoki';
import { expectFunction } from './patchChecks';

export interface QueueMetadataStore {
  db: { getCollection(name: string): LokiCollection | null };
  MESSAGES_COLLECTION: string;
  init(): Promise<void>;
}

export const indexedMessageTimes = ['expirationTime', 'timeNextVisible'] as const;

/** Azurite's queue metadata store class (in-memory when constructed with `inMemory` true). */
export function queueMetadataStore(): QueueMetadataStoreClass {
  const module = requireFromAzurite('./queue/persistence/LokiQueueMetadataStore.js') as {
    default: QueueMetadataStoreClass;
  };
  return module.default;
}

interface QueueMetadataStoreClass {
  new (path: string, inMemory: boolean): QueueMetadataStore;
  prototype: QueueMetadataStore;
}

export function installQueueTimeIndexes(): void {
  const { azurite, lokijs } = checkAzuritePackages('queueTimeIndexes');
  const prototype = queueMetadataStore().prototype;
  expectFunction('queueTimeIndexes', azurite, prototype, 'init', 0);
  expectFunction('queueTimeIndexes', lokijs, azuriteLoki().Collection.prototype, 'ensureIndex', 2);
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const init = prototype.init;
  prototype.init = async function (this: QueueMetadataStore) {
    await init.call(this);
    // After init the collection exists, whether created now or loaded from disk.
    const messages = this.db.getCollection(this.MESSAGES_COLLECTION);
    for (const field of indexedMessageTimes) messages?.ensureIndex(field);
  };
}
