/**
 * The roster's production periods (5 s heartbeat, 10 s validity, 15 s expiry) shortened for tests
 * on real time, with room for a slow round trip to the emulator on a loaded machine.
 */
import type { CosmosRosterTimings } from '../../../../src/adapters/arm/pacing/CosmosPacerRoster';

export const testRosterTimings: CosmosRosterTimings = {
  heartbeatEveryInMs: 300,
  viewValidForInMs: 2_000,
  memberExpiresAfterInMs: 3_000,
  clockSkewInMs: 100,
  replicationLagInMs: 150,
  lingerInMs: 600,
};
