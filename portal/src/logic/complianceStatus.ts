/**
 * The compliance statuses as the portal shows them: the order (what needs attention first), a
 * label in words (status is never told by colour alone) and a badge colour that goes with it.
 */
export const complianceStatuses = [
  'breached',
  'at-risk',
  'not-yet-protected',
  'protected',
  'unlicensed',
  'disabled',
] as const;

export type ComplianceStatus = (typeof complianceStatuses)[number];

export type StatusCounts = Record<ComplianceStatus, number>;

const labels: Record<ComplianceStatus, string> = {
  breached: 'Breached',
  'at-risk': 'At risk',
  'not-yet-protected': 'Not yet protected',
  protected: 'Protected',
  unlicensed: 'Unlicensed',
  disabled: 'Disabled',
};

const descriptions: Record<ComplianceStatus, string> = {
  breached: 'The last verified restore point is older than twice the RPO',
  'at-risk': 'The last verified restore point is older than the RPO',
  'not-yet-protected': 'No verified restore point yet',
  protected: 'A verified restore point within the RPO',
  unlicensed: 'Beyond the tenant’s licences: not protected',
  disabled: 'Its policy is disabled: not protected',
};

/** Fluent Badge colours, by how much the status needs attention. */
export type BadgeColor = 'danger' | 'warning' | 'informative' | 'success' | 'subtle';

const badgeColors: Record<ComplianceStatus, BadgeColor> = {
  breached: 'danger',
  'at-risk': 'warning',
  'not-yet-protected': 'informative',
  protected: 'success',
  unlicensed: 'subtle',
  disabled: 'subtle',
};

export function isComplianceStatus(value: unknown): value is ComplianceStatus {
  return typeof value === 'string' && (complianceStatuses as readonly string[]).includes(value);
}

export function statusLabel(status: string): string {
  return isComplianceStatus(status) ? labels[status] : status;
}

export function statusDescription(status: string): string {
  return isComplianceStatus(status) ? descriptions[status] : '';
}

export function statusBadgeColor(status: string): BadgeColor {
  return isComplianceStatus(status) ? badgeColors[status] : 'subtle';
}

/** The counts in display order, each with its label and share of the total (0 when empty). */
export function statusRows(
  counts: StatusCounts,
): { status: ComplianceStatus; label: string; count: number; share: number }[] {
  const total = complianceStatuses.reduce((sum, s) => sum + counts[s], 0);
  return complianceStatuses.map((status) => ({
    status,
    label: labels[status],
    count: counts[status],
    share: total === 0 ? 0 : counts[status] / total,
  }));
}
