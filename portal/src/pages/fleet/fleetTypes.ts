/** The compliance report's shapes, as the generated API types give them. */
import type { paths } from '../../api/schema';

export type ComplianceReport =
  paths['/api/tenants/{tenantId}/compliance']['get']['responses'][200]['content']['application/json'];
export type ComplianceRow = ComplianceReport['devices'][number];
export type CapacityWarning = NonNullable<ComplianceReport['capacityWarnings']>[number];
