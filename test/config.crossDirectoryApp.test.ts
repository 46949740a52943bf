/** CROSS_DIRECTORY_APP_CLIENT_ID: optional, a GUID, kept lower case; anything else stops start-up. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { localSettings } from '../src/local/localSettings';
import { SettingNames } from '../src/settingNames';

describe('loadConfig: the cross-directory app', () => {
  it('is absent when unset or empty, as the Bicep leaves it until the operator fills it', () => {
    expect(loadConfig(localSettings()).arm.crossDirectoryAppClientId).toBeUndefined();
    const empty = { ...localSettings(), [SettingNames.crossDirectoryAppClientId]: '  ' };
    expect(loadConfig(empty).arm).not.toHaveProperty('crossDirectoryAppClientId');
  });

  it("keeps the app's client id, lower case", () => {
    const id = '6F1B1A47-6BD4-4C58-9D07-2D4D6A0C1F10';
    const config = loadConfig({ ...localSettings(), [SettingNames.crossDirectoryAppClientId]: id });
    expect(config.arm.crossDirectoryAppClientId).toBe(id.toLowerCase());
  });

  it('refuses anything but a GUID, naming the setting', () => {
    const env = { ...localSettings(), [SettingNames.crossDirectoryAppClientId]: 'cloudpc-dr-disks' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/CROSS_DIRECTORY_APP_CLIENT_ID: "cloudpc-dr-disks" is invalid/);
  });
});
