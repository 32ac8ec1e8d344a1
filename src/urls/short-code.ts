// What a short code and a link target may be, and how fresh codes are drawn.
import { invalid } from '../http/errors.ts';
import { checkStorable } from '../http/text.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const GENERATED_LENGTH = 7;
const CUSTOM_CODE = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_URL_LENGTH = 2048;

// Top-level paths hop answers itself; a code equal to one would never be reachable.
export const RESERVED_CODES = new Set(['users', 'urls', 'events', 'shorten', 'health', 'ready', 'metrics', 'logs', 'chaos', 'docs', 'tags', 'banned-hosts', 'app', 'stats', 'keys']);

/** A uniformly random base62 code (rejection sampling keeps the distribution even). */
export function newShortCode(length = GENERATED_LENGTH): string {
  let code = '';
  const bytes = new Uint8Array(length * 2);
  while (code.length < length) {
    crypto.getRandomValues(bytes);
    for (const byte of bytes) {
      if (byte < 248 && code.length < length) code += ALPHABET[byte % 62];
    }
  }
  return code;
}

export function checkShortCode(code: string): string {
  if (!CUSTOM_CODE.test(code)) throw invalid('short_code', 'must be 1 to 64 letters, digits, "-" or "_"');
  if (RESERVED_CODES.has(code)) throw invalid('short_code', 'is reserved');
  return code;
}

/**
 * A link target must be an absolute http(s) URL with a host. It may not carry credentials
 * (`https://bank.example@evil.example` reads as one host and goes to another) nor point at hop
 * itself (`isSelf`), which would chain redirects or loop. The answer is the URL as visitors will be
 * sent to it (WHATWG-serialised: `https:\\evil.com` is `https://evil.com/`), so what is stored and
 * shown is what is served.
 */
export function checkTargetUrl(text: string, field = 'original_url', isSelf: (url: URL) => boolean = () => false): string {
  const trimmed = checkStorable(text.trim(), field);
  if (trimmed.length === 0 || trimmed.length > MAX_URL_LENGTH) {
    throw invalid(field, `must be 1 to ${MAX_URL_LENGTH} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw invalid(field, 'must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(field, 'must use http or https');
  if (!parsed.hostname) throw invalid(field, 'must have a host');
  if (parsed.username || parsed.password) throw invalid(field, 'must not contain credentials');
  if (isSelf(parsed)) throw invalid(field, 'must not point at this shortener');
  const served = parsed.href;
  if (served.length > MAX_URL_LENGTH) throw invalid(field, `must be 1 to ${MAX_URL_LENGTH} characters once normalised`);
  // `https://example.com` and `https://example.com/` are one resource: keep the caller's spelling.
  return served === `${trimmed}/` ? trimmed : served;
}
