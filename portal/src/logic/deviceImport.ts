/**
 * Reading an import file (or pasted text) into the body of `POST …/device-imports`: the body as
 * `npm run local:disks` prints it (`{"devices": [...]}`) or a bare array of rows. The API checks
 * each row; here only the shape is checked, so the admin learns of a wrong file before sending it.
 */
export const maxImportRows = 10_000;

export type ParsedImport = { devices: unknown[] } | { problem: string };

export function parseDeviceImport(text: string): ParsedImport {
  if (text.trim() === '') return { problem: 'Choose a file or paste the devices as JSON.' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `This is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const devices: unknown = Array.isArray(value) ? value : (value as { devices?: unknown } | null)?.devices;
  if (!Array.isArray(devices)) return { problem: 'Expected {"devices": [ … ]} or an array of devices.' };
  if (devices.length === 0) return { problem: 'The list of devices is empty.' };
  if (devices.length > maxImportRows)
    return {
      problem: `${devices.length.toLocaleString('en')} devices: at most ${maxImportRows.toLocaleString('en')} in one import.`,
    };
  return { devices };
}

export interface ImportRowResult {
  index: number;
  id?: string;
  outcome: 'created' | 'failed';
  licensed?: boolean;
  errors?: { field: string; reason: string }[];
}

/** One line per row as the admin reads it: what happened and, for a refused row, why. */
export function describeImportRow(row: ImportRowResult): { label: string; detail: string } {
  const name = row.id ?? `row ${row.index + 1}`;
  if (row.outcome === 'failed') {
    const reasons = (row.errors ?? []).map((e) => `${shortField(e.field)}: ${e.reason}`);
    return { label: `${name}: refused`, detail: reasons.join('; ') || 'no reason given' };
  }
  return {
    label: `${name}: saved`,
    detail: row.licensed === false ? 'stored but not protected: beyond the tenant’s licences' : 'licensed',
  };
}

/** `body.devices.3.policyId` → `policyId`: the row is already named. */
export function shortField(field: string): string {
  return field.replace(/^body\.devices\.\d+\.?/, '') || field;
}

/** Failed rows first (what needs the admin), then the rest, each in file order. */
export function orderImportResults<T extends ImportRowResult>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) => Number(b.outcome === 'failed') - Number(a.outcome === 'failed') || a.index - b.index,
  );
}
