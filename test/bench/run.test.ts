import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const tsx = require.resolve('tsx/cli');

/** `npm run bench` with these arguments; its failure (exit code and stderr), if it fails. */
async function bench(...args: string[]) {
  return await run(process.execPath, [tsx, 'bench/run.ts', ...args]).then(
    () => undefined,
    (err: { code: number; stderr: string }) => err,
  );
}

describe('npm run bench, refusing its command line', () => {
  it.each([
    [
      ['--only', 'foo'],
      '--only must be "cycle", "activation", "managed-cycle", "managed-cycle-arm", "recovery-arm", "recovery-arm-product" or "portal"; got "foo"',
    ],
    [['--devices', '1000,0'], '--devices must be a whole number ≥ 1; got "0"'],
    [['--probe-interval', 'fast'], '--probe-interval must be a whole number ≥ 1; got "fast"'],
    [['--fast'], "Unknown option '--fast'"],
    [['--arm-time-scale', '0'], '--arm-time-scale must be a number > 0; got "0"'],
    [
      ['--only', 'recovery-arm-product', '--subscriptions', '2'],
      '--subscriptions: recovery-arm-product runs on one subscription',
    ],
    [
      ['--only', 'managed-cycle-arm', '--catalogue', 'disk'],
      '--catalogue must be "azurite" or "memory"; got "disk"',
    ],
  ])('%j: the reason and the usage, exit code 2, no stack trace', async (args, reason) => {
    const failure = await bench(...args);
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain(reason);
    expect(failure?.stderr).toContain('usage: npm run bench');
    expect(failure?.stderr).not.toMatch(/^\s+at /m);
  });
});
