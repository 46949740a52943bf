/**
 * The whole device store, for callers that need several of its parts. A use case that needs one
 * part takes that part's port: `DeviceRegistry`, `ProtectionSchedule`, `ComplianceIndex` or
 * `RecoveryClaims`.
 */
import type { ComplianceIndex } from './ComplianceIndex';
import type { DeviceRegistry } from './DeviceRegistry';
import type { ProtectionSchedule } from './ProtectionSchedule';
import type { RecoveryClaims } from './RecoveryClaims';

export type { ComplianceTransition, PolicyHistogram } from './ComplianceIndex';
export type { DeviceFilter } from './DeviceRegistry';

export interface DeviceStore extends DeviceRegistry, ProtectionSchedule, ComplianceIndex, RecoveryClaims {}
