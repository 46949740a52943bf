import type { LogHandler } from './httpHost';

/** One line per log record: time, level, source, message. Debug and trace only when LOG_LEVEL asks. */
export function consoleLog(prefix: string, verbose = false): LogHandler {
  return (level, source, message) => {
    if (!verbose && (level === 'trace' || level === 'debug')) return;
    const line = `${new Date().toISOString()} ${prefix} ${level.padEnd(11)} ${source}: ${message}`;
    if (level === 'error' || level === 'warning') console.error(line);
    else console.log(line);
  };
}
