/**
 * The per-device side of disaster recovery: the recovery queue's worker, the sweeper of temporary
 * devices that should not exist, and the adoption of activations whose driver stopped.
 */
import { z } from 'zod';
import type { RecoveryMessage } from '../app/recoveryMessage';
import { services } from '../compositionRoot';
import { ensureErrorType } from '../domain/errors';
import { QueueNames } from '../queueNames';
import { defineQueueWorker } from './define/defineQueueWorker';
import { defineTimer } from './define/defineTimer';
import { orchestrationClient } from './orchestrationClient';

const recoveryMessage = z.strictObject({
  kind: z.enum(['recover', 'release']),
  tenantId: z.string().min(1).max(64),
  activationId: z.string().min(1).max(64),
  deviceId: z.string().min(1).max(64),
  dispatch: z.number().int().min(1),
  epoch: z.number().int().min(1),
  seq: z.number().int().min(0),
});

/**
 * The queue's `MaxDeliveryCount`: Service Bus's default, and the embedded queue host's. The
 * infrastructure must keep the device-recovery queue at this value.
 */
export const recoveryMaxDeliveries = 10;

defineQueueWorker({
  name: 'recoverDevice',
  queueName: QueueNames.deviceRecovery,
  handler: async (message, context) => {
    // A malformed message throws: it is delivered again and dead-lettered, where an operator sees it.
    const request: RecoveryMessage = recoveryMessage.parse(message);
    let outcome;
    try {
      outcome = await services().recoveryWorker.handle(request);
    } catch (err) {
      const deliveries = Number(context.triggerMetadata?.['deliveryCount'] ?? 0);
      if (deliveries >= recoveryMaxDeliveries) {
        // Its last delivery: the activation report shows the device failed with why.
        await services().recoveryWorker.recordPoison(request, deliveries, ensureErrorType(err).message);
      }
      throw err;
    }
    context.log(
      `${request.kind} ${request.deviceId} (${request.activationId} ${request.dispatch}.${request.seq}): ${outcome}`,
    );
  },
});

defineTimer({
  name: 'sweepTemporaryDevices',
  // Every 5 minutes: an orphan costs compute until then, never data.
  schedule: '0 */5 * * * *',
  handler: async (_timer, context) => {
    const result = await services().sweeper.sweep();
    context.log(`Temporary devices checked: ${result.checked}; orphans removed: ${result.removed}`);
  },
});

defineTimer({
  name: 'adoptActivations',
  // Every 10 s (one small query): with the default 60 s lease, an orphaned activation is driven again within 70 s.
  schedule: '*/10 * * * * *',
  durableClient: true,
  handler: async (_timer, context) => {
    const adopted = await services().adopter.adopt(orchestrationClient(context));
    if (adopted > 0) context.log(`Activations adopted by this region: ${adopted}`);
  },
});
