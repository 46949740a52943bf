/** The work queues: the same names in Service Bus (Azure) and in the embedded runtime's queues. */
export const QueueNames = {
  /** One message per device whose restore point is due. */
  restorePoints: 'restore-points',
  /** One message per device to recover or release during an activation. */
  deviceRecovery: 'device-recovery',
} as const;

export type QueueName = (typeof QueueNames)[keyof typeof QueueNames];
