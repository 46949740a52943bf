import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the Functions host entry', () => {
  it('refuses to load with a bad configuration, naming every bad setting', async () => {
    const failure = await run(process.execPath, ['--require', 'tsx/cjs', '-e', "require('./src/index.ts')"], {
      env: { PATH: process.env.PATH, CONTROL_PLANE_REGION: 'Not A Region' },
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain('CONTROL_PLANE_REGION: "Not A Region" is invalid');
    expect(failure?.stderr).toContain('CosmosConnection: missing');
    expect(failure?.stderr).toContain('AUTH_AUDIENCE: missing');
  });
});
