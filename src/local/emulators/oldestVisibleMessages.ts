/**
 * Azurite receives queue messages with `find({ accountName, queueName, timeNextVisible: { $lte: now } })`,
 * then sorts every match by `timeNextVisible` and `$loki` and keeps the first 32. With 50,000
 * messages waiting, as when the scheduler has dispatched a whole fleet's protection cycle, every
 * receive scanned and sorted all of them: 72 % of Azurite's thread at N = 50,000 (profiled), which
 * made the queue the cycle's bottleneck. Those first messages are the start of the collection's
 * `timeNextVisible` index (`queueTimeIndexes`), so this receive walks that index from its start,
 * keeps the queue's visible messages until it has enough and has passed every message tied with
 * the last one kept, then sorts those few the same way: the same messages in the same order. What
 * follows is Azurite's `getMessages` as it stands (3.x): the messages get their new visible time,
 * pop receipt and dequeue count, and copies of them are returned.
 */
import { checkAzuritePackages, type LokiCollection } from './azuriteLoki';
import { expectFunction } from './patchChecks';
import { queueMetadataStore, type QueueMetadataStore } from './queueTimeIndexes';

interface MessageDocument {
  $loki: number;
  accountName: string;
  queueName: string;
  timeNextVisible: number | Date;
  popReceipt: string;
  dequeueCount: number;
}

interface ReceivingStore extends QueueMetadataStore {
  checkQueueExist(account: string, queue: string, context?: unknown): void;
  clearExpiredMessages(account: string, queue: string, context?: unknown): void;
  messageCopy(doc: MessageDocument): unknown;
  getMessages: GetMessages;
}

type GetMessages = (
  this: ReceivingStore,
  account: string,
  queue: string,
  timeNextVisible: Date,
  popReceipt: string,
  numOfMessages?: number,
  queryDate?: Date,
  context?: unknown,
) => Promise<unknown[]>;

/** Azurite's own receive, kept for the test that compares the two. */
export const azuriteGetMessages = Symbol.for('clouddr.azuriteGetMessages');

/**
 * The first `count` messages of the queue visible at `now`, ordered by `timeNextVisible`, then
 * `$loki`: what `find(...).compoundsort(...).limit(count)` returns, from the index.
 */
export function oldestVisible(
  messages: LokiCollection,
  account: string,
  queue: string,
  now: number,
  count: number,
): MessageDocument[] {
  messages.ensureIndex('timeNextVisible'); // no work unless the index is dirty
  const picked: MessageDocument[] = [];
  let lastKept: number | undefined;
  for (const position of messages.binaryIndices['timeNextVisible']!.values) {
    const doc = messages.data[position] as MessageDocument;
    const visibleAt = Number(doc.timeNextVisible);
    // The index is sorted: past `now`, or past the ties of the last message needed, nothing qualifies.
    if (visibleAt > now || (lastKept !== undefined && visibleAt !== lastKept)) break;
    if (doc.accountName !== account || doc.queueName !== queue) continue;
    picked.push(doc);
    if (picked.length === count) lastKept = visibleAt;
  }
  picked.sort((a, b) => Number(a.timeNextVisible) - Number(b.timeNextVisible) || a.$loki - b.$loki);
  return picked.slice(0, count);
}

const getMessages: GetMessages = async function (
  account,
  queue,
  timeNextVisible,
  popReceipt,
  numOfMessages,
  queryDate,
  context,
) {
  this.checkQueueExist(account, queue, context);
  this.clearExpiredMessages(account, queue, context);
  const messages = this.db.getCollection(this.MESSAGES_COLLECTION)!;
  const queryTime = queryDate ? queryDate.getTime() : Date.now();
  const count = numOfMessages === undefined || numOfMessages < 1 ? 1 : numOfMessages;
  const docs = oldestVisible(messages, account, queue, queryTime, count);
  const visibleTimeInMillisecond = timeNextVisible.getTime();
  for (const doc of docs) {
    doc.timeNextVisible = visibleTimeInMillisecond;
    doc.popReceipt = popReceipt;
    doc.dequeueCount = Number(doc.dequeueCount) + 1;
  }
  messages.update(docs);
  const copies: unknown[] = [];
  for (const doc of docs) {
    // Copied with a Date, as Azurite returns it; stored as milliseconds, as Azurite stores it.
    doc.timeNextVisible = timeNextVisible;
    copies.push(this.messageCopy(doc));
    doc.timeNextVisible = visibleTimeInMillisecond;
  }
  return copies;
};

export function installOldestVisibleMessages(): void {
  const fix = 'oldestVisibleMessages';
  const { azurite } = checkAzuritePackages(fix);
  const prototype = queueMetadataStore().prototype as ReceivingStore & {
    [azuriteGetMessages]?: GetMessages;
  };
  // The receive is rewritten whole, and calls these three as Azurite's own does.
  expectFunction(fix, azurite, prototype, 'getMessages', 7);
  expectFunction(fix, azurite, prototype, 'checkQueueExist', 3);
  expectFunction(fix, azurite, prototype, 'clearExpiredMessages', 3);
  expectFunction(fix, azurite, prototype, 'messageCopy', 1);
  prototype[azuriteGetMessages] ??= prototype.getMessages;
  prototype.getMessages = getMessages;
}
