/**
 * What `npm start` checks before it builds (its `prestart`), so a problem the user can fix is
 * reported in a second, all at once, instead of one at a time after each build: the settings,
 * another runtime on the same data folder, and every port in use, each with the setting that
 * moves it. The supervisor checks the same again when it starts (src/local/main.ts).
 */
import { ConfigError, loadConfig } from '../src/config';
import { dataDirHolder, lockFileName } from '../src/local/dataDirLock';
import {
  describeDataDirInUse,
  describePortsInUse,
  portsInUse,
  portsToOpen,
  readLocalRuntime,
  StartError,
} from '../src/local/localRuntime';
import { join } from 'node:path';
import { parseCommandLine, runScript, ScriptExit } from './cli';

const usage = `usage: tsx scripts/startChecks.ts [--emulators-only]

Checks what npm start needs before it builds: its settings (the environment, as npm start reads
it), that no other runtime uses its data folder (LOCAL_DATA_DIR), and that its ports are free.
Prints every problem found and exits 1, or prints nothing and exits 0.
  --emulators-only   as npm run emulators: the control plane's port is not needed
  -h, --help         this`;

async function main(): Promise<void> {
  const values = parseCommandLine({ 'emulators-only': { type: 'boolean', default: false } }, usage);
  let runtime;
  try {
    runtime = readLocalRuntime();
    loadConfig(runtime.settings);
  } catch (err) {
    if (err instanceof StartError || err instanceof ConfigError)
      throw new ScriptExit(1, `[npm start] ${err.message}`);
    throw err;
  }
  if (!runtime.attach) {
    const holder = await dataDirHolder(runtime.dataDir);
    if (holder) {
      const file = join(runtime.dataDir, lockFileName);
      throw new ScriptExit(1, `[npm start] ${await describeDataDirInUse(runtime, holder, file)}`);
    }
  }
  const emulatorsOnly = values['emulators-only'];
  const taken = await portsInUse(portsToOpen(runtime, { emulatorsOnly }));
  if (taken.length > 0) {
    const command = emulatorsOnly ? 'npm run emulators' : 'npm start';
    throw new ScriptExit(1, `[npm start] ${await describePortsInUse(taken, runtime, command)}`);
  }
}

runScript('npm start', main);
