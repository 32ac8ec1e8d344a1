// Arrays as Postgres array literals, built here and sent as one text parameter each (the statement
// casts them, e.g. `$1::text::int[]`). Bun's own array encoding costs hop several times as much CPU
// per element, and the click writer sends a dozen arrays per batch (docs/performance.md).

type Element = string | number | boolean | null;

// JSON escapes `"` and `\` with a backslash, as an array literal does; its other escapes (\t, \n,
// \u0001) mean nothing to Postgres, so text with control characters is quoted element by element.
const OTHER_ESCAPE = /\\[bfnrtu]/;
const SPECIALS = /["\\]/g;

/**
 * `{1,"a",null,true}`: numbers, text, booleans and nulls as the array literal of any element type.
 * Numbers must be finite (JSON would turn NaN into null); a caller's bug, so it throws.
 */
export function arrayLiteral(values: readonly Element[]): string {
  for (const value of values) if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`array element ${value} is not a finite number`);
  const json = JSON.stringify(values);
  return OTHER_ESCAPE.test(json) ? quoted(values) : `{${json.slice(1, -1)}}`;
}

function quoted(values: readonly Element[]): string {
  const elements = values.map((value) => (value === null || value === undefined ? 'NULL' : `"${String(value).replace(SPECIALS, '\\$&')}"`));
  return `{${elements.join(',')}}`;
}
