/** The protection cycle: a timer fans out due restore points; a queue worker takes each one. */
import { z } from 'zod';
import type { RestorePointRequest } from '../app/restorePointRequest';
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
    context.log(
      `Restore points dispatched: ${run.dispatched}; paused by outage: ${run.paused}; RPO transitions: ${run.transitions}`,
    );
  },
});

/** The device as the scheduler read it: checked for the fields the worker relies on. */
const dispatchedDevice = z.looseObject({
  id: z.string(),
  tenantId: z.string(),
  primaryRegion: z.string(),
  disk: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('pageBlob'), container: z.string(), blob: z.string() }),
    z.object({ kind: z.literal('managedDisk'), armId: z.string() }),
  ]),
  policyId: z.string(),
  licensed: z.boolean(),
  protection: z.object({ backupRegion: z.string(), rpoHours: z.number(), enabled: z.boolean() }),
  nextDueAt: z.string(),
  announced: z.string(),
  version: z.string().optional(),
});

const restorePointRequest = z.strictObject({
  tenantId: z.string().min(1).max(64),
  deviceId: z.string().min(1).max(64),
  takenAt: z.iso.datetime(),
  kind: z.enum(['scheduled', 'manual']),
  attempt: z.number().int().min(1),
  check: z.number().int().min(0),
  device: dispatchedDevice.optional(),
});

defineQueueWorker({
  name: 'takeRestorePoint',
  queueName: QueueNames.restorePoints,
  handler: async (message, context) => {
    // A malformed message throws: it is delivered again and dead-lettered, where an operator sees it.
    const request = restorePointRequest.parse(message) as RestorePointRequest;
    const outcome = await services().restorePointWorker.handle(request);
    context.log(
      `Restore point ${request.deviceId}@${request.takenAt} (attempt ${request.attempt}): ${outcome}`,
    );
  },
});
