/**
 * The thread the `recovery-arm` benchmark runs the ARM double in (threadedArmDouble.ts starts it):
 * the double on the clock state it is given, answering the few calls the benchmark makes of it
 * (seeding, counters, what exists) by message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startArmDouble, type ArmDoubleOptions, type SeedDisk } from '../test/support/arm/startArmDouble';
import type { ThreadCall, ThreadReply } from './threadedArmDouble';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('armDoubleWorker runs as a worker thread');
  const double = await startArmDouble(workerData as ArmDoubleOptions);
  const methods: Record<string, (...args: never[]) => unknown> = {
    stats: () => double.stats(),
    vms: () => double.vms(),
    disks: () => double.disks(),
    nics: () => double.nics(),
    seedSubnet: (subnetId: string, region: string) => double.seedSubnet(subnetId, region),
    seedDisks: async (seeds: SeedDisk[]) => {
      const ids: string[] = [];
      for (const seed of seeds) ids.push(await double.seedDisk(seed));
      return ids;
    },
    token: async (principalId: string) => (await double.credentialFor(principalId).getToken([]))?.token,
    // The benchmark ends the thread once this answers.
    close: async () => await double.close(),
  };
  port.on('message', (call: ThreadCall) => {
    void (async () => {
      let reply: ThreadReply;
      try {
        const method = methods[call.method];
        if (!method) throw new Error(`The double's thread has no method ${call.method}`);
        reply = { id: call.id, result: await method(...(call.args as never[])) };
      } catch (err) {
        reply = { id: call.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      port.postMessage(reply);
    })();
  });
  port.postMessage({ ready: { endpoint: double.endpoint, ca: double.ca } });
}

// A failure to start reaches the benchmark as the thread's 'error' event.
void main();
