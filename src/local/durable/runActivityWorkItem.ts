/**
 * Runs one activity and records its result in the instance's inbox, then asks for a turn.
 * At least once: a process that dies after the activity ran but before its message was deleted
 * runs it again when the message reappears. Activities must be idempotent.
 */
import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { ensureErrorType } from '../../domain/errors';
import type { DriverContext } from './DriverContext';
import { HistoryEventType, historyEvents, type HistoryEvent } from './historyEvents';
import { isActive } from './TaskHubStore';
import type { ActivityWorkItem } from './WorkItem';

export async function runActivityWorkItem(
  context: DriverContext,
  item: ActivityWorkItem,
  deliveryCount: number,
): Promise<void> {
  const { store, queues } = context.hub;
  const stored = await store.readInstance(item.instanceId);
  // Its execution is over (completed, failed, terminated, continued as new or restarted).
  if (!stored || stored.record.executionId !== item.executionId || !isActive(stored.record.runtimeStatus))
    return;

  const event =
    deliveryCount > context.maxDeliveries
      ? historyEvents.taskFailed(
          item.taskId,
          new Error(
            `Activity "${item.name}" was given up after ${deliveryCount - 1} deliveries that did not finish`,
          ),
          new Date(),
        )
      : await invoke(context, item);
  await store.addInboxEvent(item.instanceId, {
    executionId: item.executionId,
    key: `task|${item.taskId}`,
    event,
  });
  await queues.requestTurn(item.instanceId);
}

async function invoke(context: DriverContext, item: ActivityWorkItem): Promise<HistoryEvent> {
  const handler = context.activities.get(item.name);
  if (!handler)
    return historyEvents.taskFailed(
      item.taskId,
      new Error(`No activity named "${item.name}" is registered`),
      new Date(),
    );
  // Outside the try: a storage error here is not the activity's failure; the message comes back.
  const input = item.input ? item.input.value : await scheduledInput(context, item);
  try {
    const invocation = new InvocationContext({
      functionName: item.name,
      invocationId: randomUUID(),
      logHandler: (level, ...args) => context.log(level, item.name, args.map(String).join(' ')),
    });
    const result: unknown = await handler(input, invocation);
    return historyEvents.taskCompleted(item.taskId, result, new Date());
  } catch (err) {
    return historyEvents.taskFailed(item.taskId, ensureErrorType(err), new Date());
  }
}

/** An input too large for the queue message: read it from the TaskScheduled event of its turn. */
async function scheduledInput(context: DriverContext, item: ActivityWorkItem): Promise<unknown> {
  const page = await context.hub.store.readHistoryPage(item.instanceId, item.executionId, item.turn);
  const scheduled = page?.events.find(
    (event) => event.EventType === HistoryEventType.TaskScheduled && event.EventId === item.taskId,
  );
  if (!scheduled)
    throw new Error(`The TaskScheduled event of task ${item.taskId} is missing from turn ${item.turn}`);
  return scheduled.Input === undefined ? undefined : (JSON.parse(scheduled.Input) as unknown);
}
