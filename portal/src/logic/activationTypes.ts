/**
 * The activation resources as the generated API types give them, named once so the pages and the
 * logic that reads them say `ActivationReport` rather than repeating the path's operation types.
 */
import type { operations } from '../api/schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export type ActivationBody = Json<operations['activateRecovery']['requestBody']>;
export type ActivationScope = ActivationBody['scope'];
export type ActivationResource = Json<operations['activateRecovery']['responses'][202]>;
export type ActivationState = ActivationResource['state'];
export type ActivationReport = Json<operations['getActivation']['responses'][200]>;
export type WaveProgress = ActivationReport['waveProgress'][number];
export type RecoveryState = keyof ActivationReport['counts'];
export type RecoveryRow = Json<operations['listActivationDevices']['responses'][200]>['items'][number];
export type ActivationPreview = Json<operations['previewActivation']['responses'][200]>;
export type SkipReason = NonNullable<RecoveryRow['skipReason']>;
