/**
 * The audit page's filters as the URL's hash query keeps them (`#/audit?from=…&to=…&action=…`), so
 * a reload or a shared link shows the same records, and as the API's query takes them. Times are
 * kept as ISO 8601 instants (the same records whatever the reader's time zone) and shown in
 * `datetime-local` inputs in the browser's own zone.
 */

export interface AuditFilters {
  /** ISO 8601: records at or after this time. */
  from?: string;
  /** ISO 8601: records before this time. */
  to?: string;
  /** An operation (`putPolicy`) or an event (`recovery.recovered`). */
  action?: string;
}

/** The filters a hash query names; a time that is not a time is left out rather than sent. */
export function auditFiltersOf(query: URLSearchParams): AuditFilters {
  const time = (name: string) => {
    const value = query.get(name);
    return value && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : undefined;
  };
  const from = time('from');
  const to = time('to');
  const action = query.get('action')?.trim();
  return { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(action ? { action } : {}) };
}

/** The hash query (and the API query) of the filters: only those that are set. */
export function auditQueryOf(filters: AuditFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.from) query['from'] = filters.from;
  if (filters.to) query['to'] = filters.to;
  if (filters.action) query['action'] = filters.action;
  return query;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A `datetime-local` input's value (`2025-03-01T14:30`, local time) for an instant. */
export function localInputOf(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * The instant a `datetime-local` value stands for (ECMAScript reads a date-time without an offset
 * as local time), or undefined when empty or unreadable.
 */
export function isoOfLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/**
 * Actions the trail records, offered in the action filter: the operations that change something
 * (each request to them is recorded, succeeded or refused) and the disaster-recovery events. The
 * API takes any name, so the filter also takes free text (a new event is found before it is listed here).
 */
export function auditActionSuggestions(operations: readonly string[]): string[] {
  const changes = operations.filter((name) => !/^(get|list)[A-Z]/.test(name));
  return [...changes.sort(), ...auditEvents];
}

export const auditEvents = [
  'activation.started',
  'activation.wave-dispatched',
  'activation.completed',
  'activation.deactivated',
  'activation.adopted',
  'recovery.recovered',
  'recovery.failed',
  'rpo.breached',
] as const;
