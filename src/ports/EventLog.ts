/**
 * Structured events an alert rule can match: a stable `event` name and flat properties. In Azure
 * they land in Application Insights as traces; locally on the console.
 */
export interface EventLog {
  emit(event: string, properties: Record<string, string | number | boolean | undefined>): void;
}
