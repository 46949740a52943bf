/**
 * CROSS_DIRECTORY_APP_CLIENT_ID goes from the azd environment (`azd env set`, then `azd provision`)
 * through main.parameters.json to both Function Apps, and back to azd as an output; left unset it
 * is empty, which the app reads as "no other directory is reached".
 */
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { SettingNames } from '../../src/settingNames';
import { appSettingsOf, deployed, describeCompiled, functionApps } from './deployed';

const name = SettingNames.crossDirectoryAppClientId;
const appClientId = '6f1b1a47-6bd4-4c58-9d07-2d4d6a0c1f10';

describeCompiled('the cross-directory app setting', () => {
  it('is empty on both Function Apps until the operator sets it', () => {
    const deployment = deployed();
    for (const app of functionApps(deployment)) expect(appSettingsOf(deployment, app)[name]).toBe('');
    expect(deployment.outputs[name]).toBe('');
  });

  it('carries the client id set in the azd environment to both regions, and back to azd', () => {
    const deployment = deployed('westeurope', 'northeurope', { env: { [name]: appClientId } });
    const apps = functionApps(deployment);
    expect(apps).toHaveLength(2);
    for (const app of apps) {
      const settings = appSettingsOf(deployment, app);
      expect(settings[name], app.name).toBe(appClientId);
      const env = Object.fromEntries(
        Object.entries(settings).map(([key, value]) => [
          key,
          typeof value === 'string' ? value : JSON.stringify(value),
        ]),
      );
      // The value the Function App gets passes the app's own validation and reaches its config.
      expect(
        loadConfig({ ...env, [SettingNames.taskHub]: 'clouddrlocal' }).arm.crossDirectoryAppClientId,
      ).toBe(appClientId);
    }
    expect(deployment.outputs[name]).toBe(appClientId);
  });
});
