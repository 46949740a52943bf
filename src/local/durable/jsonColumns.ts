/**
 * A JSON value stored across as many string properties of a table entity as it needs: one string
 * property holds at most 64 KiB (32K UTF-16 characters), a whole entity at most 1 MiB.
 */

const charsPerColumn = 30_000;
/** Leaves room in the 1 MiB entity for the other properties. */
const maxColumns = 15;

export type EntityProperties = Record<string, unknown>;

/** `prefix` → `{prefix}Columns: n, {prefix}0 … {prefix}{n-1}`; `undefined` → `{prefix}Columns: 0`. */
export function jsonColumns(prefix: string, value: unknown): EntityProperties {
  const text = JSON.stringify(value);
  if (text === undefined) return { [`${prefix}Columns`]: 0 };
  const count = Math.max(1, Math.ceil(text.length / charsPerColumn));
  if (count > maxColumns) {
    throw new RangeError(
      `${prefix} is ${text.length} characters of JSON; one table row holds about ${charsPerColumn * maxColumns}`,
    );
  }
  const properties: EntityProperties = { [`${prefix}Columns`]: count };
  for (let i = 0; i < count; i++)
    properties[`${prefix}${i}`] = text.slice(i * charsPerColumn, (i + 1) * charsPerColumn);
  return properties;
}

export function readJsonColumns(entity: EntityProperties, prefix: string): unknown {
  const count = entity[`${prefix}Columns`];
  if (typeof count !== 'number' || count === 0) return undefined;
  let text = '';
  for (let i = 0; i < count; i++) {
    const part = entity[`${prefix}${i}`];
    if (typeof part !== 'string') throw new TypeError(`Column ${prefix}${i} of ${count} is missing`);
    text += part;
  }
  return JSON.parse(text) as unknown;
}
