import { describe, expect, it } from 'vitest';
import { conditionShape } from '../../../src/local/emulators/conditionShape';

describe('conditionShape', () => {
  it('turns numbers and strings into parameters, so conditions differing only in them share a shape', () => {
    const a = conditionShape(
      "SELECT * FROM c WHERE (c.nextDueAtMs = 1764000000000 AND c.pending.owner = 'x-1')",
    );
    const b = conditionShape("SELECT * FROM c WHERE (c.nextDueAtMs = 17 AND c.pending.owner = 'y')");
    expect(a.sql).toBe(
      'SELECT * FROM c WHERE (c.nextDueAtMs = @__literal0 AND c.pending.owner = @__literal1)',
    );
    expect(b.sql).toBe(a.sql);
    expect(a.parameters).toEqual([
      { name: '@__literal0', value: 1764000000000 },
      { name: '@__literal1', value: 'x-1' },
    ]);
  });

  it('leaves digits inside names and parameters alone, and unescapes quotes', () => {
    const shape = conditionShape(
      `SELECT * FROM c WHERE (c.field2 < 3.5 AND c.id = @id AND c.n = 'it\\'s' AND c.m = "d")`,
    );
    expect(shape.sql).toBe(
      'SELECT * FROM c WHERE (c.field2 < @__literal0 AND c.id = @id AND c.n = @__literal1 AND c.m = @__literal2)',
    );
    expect(shape.parameters.map((p) => p.value)).toEqual([3.5, "it's", 'd']);
  });

  it('keeps a condition without literals as it is', () => {
    expect(conditionShape('SELECT * FROM c WHERE (IS_NULL(c.lastVerifiedAtMs))')).toEqual({
      sql: 'SELECT * FROM c WHERE (IS_NULL(c.lastVerifiedAtMs))',
      parameters: [],
    });
  });
});
