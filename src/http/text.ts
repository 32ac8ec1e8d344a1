// What text Postgres can store: no NUL character, and well-formed UTF-16 (no lone surrogates).
// Checked up front so one bad value is a 400 for its own request, never a failed batch of others.
import { invalid } from './errors.ts';

export function checkStorable(text: string, field: string): string {
  if (text.includes('\u0000') || !text.isWellFormed()) throw invalid(field, 'must not contain NUL or unpaired surrogate characters');
  return text;
}
