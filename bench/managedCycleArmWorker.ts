/**
 * The thread a `managed-cycle-arm` run keeps the ARM double (and the catalogue's Blob Storage
 * stand-in) in (managedCycleArmDouble.ts starts it): the double on the shared clock state it is
 * given, answering the run's few calls (seeding, counters, the checks) by message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  cycleDoubleHere,
  type CycleDoubleOptions,
  type ThreadCall,
  type ThreadReady,
  type ThreadReply,
} from './managedCycleArmDouble';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('managedCycleArmWorker runs as a worker thread');
  const { double, catalogue, methods } = await cycleDoubleHere(workerData as CycleDoubleOptions);
  const table = methods as unknown as Record<string, (...args: unknown[]) => unknown>;
  port.on('message', (call: ThreadCall) => {
    void (async () => {
      let reply: ThreadReply;
      try {
        const method = table[call.method];
        if (!method) throw new Error(`The double's thread has no method ${call.method}`);
        reply = { id: call.id, result: await method(...call.args) };
      } catch (err) {
        reply = { id: call.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      }
      port.postMessage(reply);
    })();
  });
  const ready: ThreadReady = {
    ready: {
      endpoint: double.endpoint,
      ca: double.ca,
      ...(catalogue ? { catalogueConnectionString: catalogue.connectionString } : {}),
    },
  };
  port.postMessage(ready);
}

// A failure to start reaches the run as the thread's 'error' event.
void main();
