/**
 * The command line of the repository's scripts, the same for each: `--help` prints the usage
 * (exit 0), bad arguments a line per problem and the usage (exit 2), a failure one line naming
 * the fix (exit 1) — never a stack trace for something the user can fix.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { connect } from 'node:net';

/** Ends a script: code 0 prints the message on stdout, any other on stderr. */
export class ScriptExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Bad arguments: each problem, then the usage's synopsis (its first paragraph); exit code 2. */
export function usageError(problems: readonly string[], usage: string): ScriptExit {
  const synopsis = usage.split('\n\n')[0]!;
  return new ScriptExit(2, `${problems.join('\n')}\n${synopsis}\n(--help describes every option)`);
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<T extends Options> = ReturnType<typeof parseArgs<{ options: T; strict: true }>>['values'];

/** parseArgs with `--help`/`-h`, and its errors (an unknown option, a missing value) as usage errors. */
export function parseCommandLine<T extends Options>(
  options: T,
  usage: string,
  args = process.argv.slice(2),
): Values<T> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
      throw usageError([(err as Error).message], usage);
    throw err;
  }
  const values = parsed.values as Record<string, unknown>;
  if (values['help']) throw new ScriptExit(0, usage);
  delete values['help'];
  return values as Values<T>;
}

/** Runs a script's main: a ScriptExit sets the exit code, anything else is a one-line error (exit 1). */
export function runScript(name: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ScriptExit) {
      if (err.code === 0) console.log(err.message);
      else console.error(err.message);
      process.exitCode = err.code;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    console.error(`${name}: ${message.split('\n')[0]}`);
    if (process.env['DEBUG']) console.error(err);
    process.exitCode = 1;
  });
}

/** Whether something accepts connections there within the time: refused, unreachable or silent is no. */
export function answers(host: string, port: number, timeoutInMs = 2_000): Promise<boolean> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host, port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolveAnswer(answered);
    };
    socket.setTimeout(timeoutInMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
