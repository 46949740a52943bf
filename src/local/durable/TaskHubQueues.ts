/**
 * A task hub's two Storage queues: `control` (turns to take, timers to fire) and `workitems`
 * (activities to run). Timers are messages made visible at their fire time.
 */
import type { QueueClient } from '@azure/storage-queue';
import type { ActivityWorkItem, ControlMessage, WorkItem } from './WorkItem';

/** Queue messages hold at most 64 KiB; a larger input stays in the history row and is read there. */
const maxInlineMessageChars = 48_000;
/** The service caps visibility at 7 days; a later timer is sent again when this much has passed. */
const maxVisibilityInSeconds = 6 * 24 * 3600;
/** Never expire: the default time-to-live (7 days) would drop a long timer or a stuck work item. */
const neverExpires = -1;
const sendsInFlight = 16;

export type TaskHubQueueName = 'control' | 'workItems';

export class TaskHubQueues {
  private readonly listeners: ((queue: TaskHubQueueName) => void)[] = [];

  constructor(
    readonly control: QueueClient,
    readonly workItems: QueueClient,
  ) {}

  /** Told of every message this object sends that is visible at once (a timer not yet due is not). */
  onSent(listener: (queue: TaskHubQueueName) => void): void {
    this.listeners.push(listener);
  }

  async ensureCreated(): Promise<void> {
    await Promise.all([this.control.createIfNotExists(), this.workItems.createIfNotExists()]);
  }

  async requestTurn(instanceId: string): Promise<void> {
    const message: ControlMessage = { kind: 'turn', instanceId };
    await this.control.sendMessage(JSON.stringify(message), { messageTimeToLive: neverExpires });
    this.sent('control');
  }

  /** Sends activities to `workitems` and timers to `control`, hidden until they are due. */
  async dispatch(items: readonly WorkItem[]): Promise<void> {
    for (let i = 0; i < items.length; i += sendsInFlight) {
      await Promise.all(items.slice(i, i + sendsInFlight).map((item) => this.send(item)));
    }
  }

  private async send(item: WorkItem): Promise<void> {
    if (item.kind === 'activity') {
      await this.workItems.sendMessage(activityMessage(item), { messageTimeToLive: neverExpires });
      this.sent('workItems');
      return;
    }
    // Rounded down: visibility counts whole seconds, and the control handler waits out the rest.
    const dueInSeconds = Math.floor((Date.parse(item.fireAt) - Date.now()) / 1000);
    const visibilityTimeout = Math.min(Math.max(dueInSeconds, 0), maxVisibilityInSeconds);
    await this.control.sendMessage(JSON.stringify(item), {
      messageTimeToLive: neverExpires,
      visibilityTimeout,
    });
    if (visibilityTimeout === 0) this.sent('control');
  }

  private sent(queue: TaskHubQueueName): void {
    for (const listener of this.listeners) listener(queue);
  }
}

function activityMessage(item: ActivityWorkItem): string {
  const text = JSON.stringify(item);
  if (text.length <= maxInlineMessageChars) return text;
  const { input: _input, ...withoutInput } = item;
  return JSON.stringify(withoutInput);
}
