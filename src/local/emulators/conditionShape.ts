/**
 * A patch condition's shape: its string and number literals replaced by parameters. Conditions
 * differ per document only in their literals (`c.nextDueAtMs = 1764000000000`), so one compiled
 * query per shape serves them all; compiling costs the emulator's one thread about 10 ms.
 */
export interface ConditionShape {
  sql: string;
  parameters: { name: string; value: string | number }[];
}

/** A string ('…' or "…", backslash escapes) or a number standing alone (not part of a name). */
const literal = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|(?<![\w.@$])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])/g;

export function conditionShape(sql: string): ConditionShape {
  const parameters: ConditionShape['parameters'] = [];
  const shaped = sql.replace(literal, (text) => {
    const name = `@__literal${parameters.length}`;
    const quoted = text.startsWith("'") || text.startsWith('"');
    parameters.push({ name, value: quoted ? text.slice(1, -1).replace(/\\(.)/g, '$1') : Number(text) });
    return name;
  });
  return { sql: shaped, parameters };
}
