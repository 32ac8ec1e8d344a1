// The click writer's array literals (db/array-literal.ts) read back by Postgres as the values they were
// built from: any text (quotes, backslashes, control characters, "NULL", empty), nulls, numbers, booleans.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { arrayLiteral } from '../../db/array-literal.ts';
import { freshDatabase, type TestDatabase } from '../support/env.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase('array_literal', { migrate: false });
});
afterAll(async () => {
  await database.drop();
});

async function readBack(literal: string, type: 'text' | 'int' | 'bigint' | 'float8' | 'bool'): Promise<unknown[]> {
  // bigints come back as text: a JSON number would lose their last digits.
  const [row] = await database.db.execute<{ values: string | null }>(
    sql`select to_json(${literal}::text::${sql.raw(type)}[]${sql.raw(type === 'bigint' ? '::text[]' : '')})::text as values`);
  return JSON.parse(row!.values ?? 'null');
}

describe('array literals', () => {
  it('carry text exactly, whatever it holds', async () => {
    const tricky = ['a"b', 'back\\slash', '\\"', 'tab\there', 'new\nline', '\u0001', '', 'NULL', 'null', '{x,y}', ' padded ', 'ünï©ødé', '日本'];
    expect(await readBack(arrayLiteral([...tricky, null]), 'text')).toEqual([...tricky, null]);
    expect(await readBack(arrayLiteral([]), 'text')).toEqual([]);
  });

  it('carry numbers, decimal strings and booleans', async () => {
    expect(await readBack(arrayLiteral([1, -2, 2147483647, null]), 'int')).toEqual([1, -2, 2147483647, null]);
    expect(await readBack(arrayLiteral(['-9223372036854775808', '9223372036854775807', null]), 'bigint')).toEqual(['-9223372036854775808', '9223372036854775807', null]);
    expect(await readBack(arrayLiteral([1764085000123, 0.5, -1e-7]), 'float8')).toEqual([1764085000123, 0.5, -1e-7]);
    expect(await readBack(arrayLiteral([true, false, null]), 'bool')).toEqual([true, false, null]);
    expect(await readBack(arrayLiteral([-0, 1e20]), 'float8')).toEqual([0, 1e20]);
    // JSON would write them as null: refused instead of stored as something else.
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(() => arrayLiteral([1, bad])).toThrow(RangeError);
  });

  it('round-trips any strings Postgres can store', async () => {
    // Postgres text cannot hold NUL; everything else must come back as it went. ASCII with every
    // control character and the literal's own syntax, then any Unicode.
    const ascii = fc.integer({ min: 1, max: 0x7f }).map((code) => String.fromCharCode(code));
    const text = fc.oneof(fc.string({ unit: ascii, maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }).filter((value) => !value.includes('\u0000')));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 20 }), async (values) => {
        expect(await readBack(arrayLiteral(values), 'text')).toEqual(values);
      }),
      { numRuns: 300 },
    );
  });
});
