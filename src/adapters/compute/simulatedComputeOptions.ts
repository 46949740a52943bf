/**
 * The `SIMULATED_COMPUTE` setting: per region, how the simulated compute provider behaves. Its
 * value is JSON such as `{"northeurope":{"capacity":100,"provisioningMs":2000,"failureRate":0.01}}`;
 * every field is optional and bounded, and unknown fields are refused so that a typo is not
 * silently a default.
 */
import { z } from 'zod';

/** An hour: a simulated creation slower than that is a misconfiguration, not a scenario. */
export const maxProvisioningMs = 3_600_000;

export const simulatedRegionSettings = z.strictObject({
  /** How many temporary devices may exist at once in the region; unlimited when absent. */
  capacity: z.number().int().min(0).optional(),
  /** How long a creation takes before the device is ready (or failed); 0 (at once) when absent. */
  provisioningMs: z.number().int().min(0).max(maxProvisioningMs).optional(),
  /** The share of creations that end failed, decided once per creation; 0 when absent. */
  failureRate: z.number().min(0).max(1).optional(),
});

export type SimulatedRegionSettings = z.infer<typeof simulatedRegionSettings>;

/** Region name → its settings; a region not named gets every default. */
export const simulatedComputeSettings = z.record(
  z.string().regex(/^[a-z][a-z0-9-]{1,39}$/, 'must be a region name such as northeurope'),
  simulatedRegionSettings,
);

export type SimulatedComputeSettings = z.infer<typeof simulatedComputeSettings>;

/** Parses the setting's raw JSON text; throws a `ZodError` (or a `SyntaxError` for invalid JSON). */
export function parseSimulatedComputeSettings(json: string): SimulatedComputeSettings {
  return simulatedComputeSettings.parse(JSON.parse(json));
}
