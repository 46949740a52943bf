/** The recovery queue's message: one device to recover, check on, or release. */
export interface RecoveryMessage {
  kind: 'recover' | 'release';
  tenantId: string;
  activationId: string;
  deviceId: string;
  /** The task's dispatch it belongs to: messages of an older dispatch (before an adoption) are dropped. */
  dispatch: number;
  /** The owner epoch of the driver that dispatched it, recorded on the task by whoever moves it. */
  epoch: number;
  /** Its place in the dispatch's chain of retries and checks: each message of the chain has its own id. */
  seq: number;
}

/**
 * `activationId:deviceId:attempt`, the attempt being `dispatch.seq`: unique per message of a chain,
 * because Service Bus duplicate detection would swallow a scheduled retry that reused an id — and
 * the same for a duplicate delivery that schedules the same next message, which is wanted.
 */
export function recoveryMessageId(message: RecoveryMessage): string {
  const kind = message.kind === 'release' ? 'release:' : '';
  return `${message.activationId}:${message.deviceId}:${kind}${message.dispatch}.${message.seq}`;
}
