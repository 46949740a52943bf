/** Handles a message of the control queue: a timer that is due, or a request for a turn. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { DriverContext } from './DriverContext';
import { historyEvents } from './historyEvents';
import type { KeyedSerializer } from './KeyedSerializer';
import type { ReceivedMessage } from './QueuePoller';
import { runOrchestrationTurn } from './runOrchestrationTurn';
import { isActive } from './TaskHubStore';
import type { ControlMessage } from './WorkItem';

/** Queue visibility counts whole seconds: a timer up to a second early waits here instead. */
const maxEarlyInMs = 1_000;

export async function handleControlMessage(
  context: DriverContext,
  turns: KeyedSerializer,
  message: ReceivedMessage,
): Promise<void> {
  const request = JSON.parse(message.text) as ControlMessage;
  const { store, queues } = context.hub;
  if (request.kind === 'timer') {
    const early = Date.parse(request.fireAt) - Date.now();
    if (early > maxEarlyInMs) {
      // Further out than a message can stay hidden: send it again for the time that is left.
      await queues.dispatch([request]);
      return;
    }
    if (early > 0) await sleep(early);
  }
  if (message.dequeueCount > context.maxDeliveries) {
    await giveUp(context, request.instanceId, message.dequeueCount - 1);
    return;
  }
  if (request.kind === 'timer') {
    const stored = await store.readInstance(request.instanceId);
    if (
      !stored ||
      stored.record.executionId !== request.executionId ||
      !isActive(stored.record.runtimeStatus)
    )
      return;
    await store.addInboxEvent(request.instanceId, {
      executionId: request.executionId,
      key: `timer|${request.timerId}`,
      event: historyEvents.timerFired(request.timerId, request.fireAt, new Date()),
    });
  }
  await turns.run(request.instanceId, () => runOrchestrationTurn(context, request.instanceId));
}

/** The instance's turns keep failing (a bug, or a history too large for a row): fail it visibly. */
async function giveUp(context: DriverContext, instanceId: string, failedDeliveries: number): Promise<void> {
  const reason = `Its turns failed on ${failedDeliveries} deliveries; see the driver's error log`;
  context.log('error', 'orchestration-driver', `Orchestration ${instanceId} given up: ${reason}`);
  for (;;) {
    const stored = await context.hub.store.readInstance(instanceId);
    if (!stored || !isActive(stored.record.runtimeStatus)) return;
    const record = {
      ...stored.record,
      runtimeStatus: 'Failed' as const,
      output: reason,
      lastUpdatedTime: new Date().toISOString(),
    };
    if (await context.hub.store.replaceInstance(record, stored.etag)) return;
  }
}
