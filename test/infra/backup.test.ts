/**
 * The state can be restored to a point in time: the Cosmos DB account the app reads keeps
 * continuous backups, on the account that writes in both control-plane regions (continuous backup
 * supports multi-region writes; a restore holds the writes the hub region had confirmed). Read from
 * the compiled template, expanded as Azure would.
 */
import { expect, it } from 'vitest';
import { appSettingsOf, cosmosAt, deployed, describeCompiled, functionApps } from './deployed';

describeCompiled('the Cosmos DB account', () => {
  it('keeps continuous backups for point-in-time restore, with multi-region writes', () => {
    const deployment = deployed('westeurope', 'northeurope');
    for (const app of functionApps(deployment)) {
      const settings = appSettingsOf(deployment, app);
      const account = cosmosAt(deployment, settings['CosmosConnection__accountEndpoint']!);
      expect(account.properties['backupPolicy']).toEqual({
        type: 'Continuous',
        continuousModeProperties: { tier: 'Continuous7Days' },
      });
      expect(account.properties['enableMultipleWriteLocations']).toBe(true);
    }
  });
});
