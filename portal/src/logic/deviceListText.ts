/**
 * A list of device ids pasted by an admin — one a line, or separated by commas, semicolons, tabs
 * or spaces (a column copied from a spreadsheet, a line from an e-mail) — read in its order.
 */

/** The API's device id (src/domain/device.ts): letters, digits, `._-`, starting with a letter or digit. */
const deviceIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface DeviceList {
  /** Each id once, in the order first pasted. */
  ids: string[];
  /** Ids pasted more than once (each named once): dropped after their first place. */
  repeated: string[];
  /** What is not a device id, in its order. */
  invalid: string[];
}

export function parseDeviceList(text: string): DeviceList {
  const ids: string[] = [];
  const seen = new Set<string>();
  const repeated = new Set<string>();
  const invalid: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    // Quotes come with ids copied from CSV or JSON.
    const id = raw.replace(/^["']+|["']+$/g, '');
    if (id === '') continue;
    if (!deviceIdPattern.test(id)) invalid.push(id);
    else if (seen.has(id)) repeated.add(id);
    else {
      seen.add(id);
      ids.push(id);
    }
  }
  return { ids, repeated: [...repeated], invalid };
}

/** "a, b, c and 4 more": a few names of a long list. */
export function someOf(names: readonly string[], shown = 3): string {
  const head = names.slice(0, shown).join(', ');
  return names.length > shown ? `${head} and ${names.length - shown} more` : head;
}
