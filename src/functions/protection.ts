/** The protection cycle: a timer fans out due restore points; a queue worker takes each one. */
import { z } from 'zod';
import { services } from '../compositionRoot';
import { QueueNames } from '../queueNames';
import { SettingNames } from '../settingNames';
import { defineQueueWorker } from './define/defineQueueWorker';
import { defineTimer } from './define/defineTimer';

defineTimer({
  name: 'scheduleRestorePoints',
  schedule: `%${SettingNames.restorePointSchedule}%`,
  handler: async (_timer, context) => {
    const { scheduler, clock } = services();
    const run = await scheduler.run(clock.now());
    context.log(`Restore points dispatched: ${run.dispatched}; paused by outage: ${run.paused}; RPO transitions: ${run.transitions}`);
  },
});

const restorePointRequest = z.strictObject({
  tenantId: z.string().min(1).max(64),
  deviceId: z.string().min(1).max(64),
  takenAt: z.iso.datetime(),
  kind: z.enum(['scheduled', 'manual']),
  attempt: z.number().int().min(1),
  check: z.number().int().min(0),
});

defineQueueWorker({
  name: 'takeRestorePoint',
  queueName: QueueNames.restorePoints,
  handler: async (message, context) => {
    // A malformed message throws: it is delivered again and dead-lettered, where an operator sees it.
    const request = restorePointRequest.parse(message);
    const outcome = await services().restorePointWorker.handle(request);
    context.log(`Restore point ${request.deviceId}@${request.takenAt} (attempt ${request.attempt}): ${outcome}`);
  },
});
