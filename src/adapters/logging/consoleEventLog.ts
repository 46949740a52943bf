import type { EventLog } from '../../ports/EventLog';

/**
 * One JSON line per event on stdout: the Functions host ships console output to Application
 * Insights as traces, where an alert rule matches `"event":"rpo.breached"`.
 */
export const consoleEventLog: EventLog = {
  emit(event, properties) {
    console.log(JSON.stringify({ event, at: new Date().toISOString(), ...properties }));
  },
};
