/**
 * Entry of a control-plane process, run by `npm start` (or by tests) with its settings in the
 * environment. Tells its parent when it is ready; stops cleanly on SIGTERM or SIGINT.
 */
import './quietTestModeWarnings';
import { ConfigError } from '../config';
import { ensureErrorType } from '../domain/errors';
import { consoleLog } from './consoleLog';
import { startControlPlane } from './controlPlane';
import { LocalSettingNames } from './localSettingNames';

async function main(): Promise<void> {
  const log = consoleLog(`[control-plane ${process.pid}]`);
  const httpPort = Number(process.env[LocalSettingNames.httpPort] ?? 7071);
  // The supervisor gone before this is ready (SIGKILLed during start-up): go too, not linger.
  const leaveEarly = () => process.exit(1);
  process.once('disconnect', leaveEarly);
  const controlPlane = await startControlPlane({ httpPort, log });
  process.removeListener('disconnect', leaveEarly);
  if (process.send && !process.connected) {
    await controlPlane.stop();
    process.exit(1);
  }
  process.send?.({ ready: true, port: controlPlane.port, pid: process.pid });
  log('information', 'control-plane', `listening on http://localhost:${controlPlane.port}/api`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await controlPlane.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop());
}

main().catch((err: unknown) => {
  const error = ensureErrorType(err);
  console.error(error instanceof ConfigError ? error.message : (error.stack ?? error.message));
  process.exit(1);
});
