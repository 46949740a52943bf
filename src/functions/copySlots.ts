/** CopyStart's slots: a timer grants the waiting copies of the (subscription, target region) keys this region owns. */
import { services } from '../compositionRoot';
import { defineTimer } from './define/defineTimer';

defineTimer({
  name: 'grantCopySlots',
  // Every 5 s: a copy waits at most a tick for a free slot. A tick with nothing waiting is one
  // indexed query that returns nothing (the raised signals), in each region.
  schedule: '*/5 * * * * *',
  handler: async (_timer, context) => {
    const run = await services().copySlotScheduler.run();
    if (run.keys > 0)
      context.log(`Copy slots: ${run.keys} key(s) waiting, ${run.owned} owned here, ${run.granted} granted`);
  },
});
