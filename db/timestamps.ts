// Postgres hands timestamps back as text ("2024-07-26 16:53:04.000+00") or Date; the API speaks ISO 8601 UTC.

export function toIso(value: string | Date): string {
  if (value instanceof Date) return value.toISOString();
  const normalised = value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const parsed = new Date(normalised);
  if (Number.isNaN(parsed.getTime())) throw new Error(`unreadable timestamp from Postgres: ${value}`);
  return parsed.toISOString();
}

/**
 * Reads a client-supplied timestamp; one without a zone (as in the hackathon CSVs) is UTC.
 * Returns undefined when the text is not a timestamp.
 */
export function parseInstant(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/.test(trimmed)) return undefined;
  const hasZone = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(trimmed) && trimmed.length > 10;
  const parsed = new Date(trimmed.replace(' ', 'T') + (hasZone ? '' : trimmed.length > 10 ? 'Z' : 'T00:00:00Z'));
  return Number.isNaN(parsed.getTime()) ? undefined : parsed.toISOString();
}
