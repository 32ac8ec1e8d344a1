// Token checks for the operations endpoints. Both sides are hashed first so the comparison always
// runs over 32 equal-length bytes in constant time: neither the content nor the length of the
// configured token leaks through response timing.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string) => createHash('sha256').update(value).digest();

export class Secret {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  matches(given: string | null | undefined): boolean {
    // Hash even a missing token, so "absent" costs the same as "wrong".
    const ok = timingSafeEqual(digest(given ?? ''), this.expected);
    return ok && given !== null && given !== undefined && given !== '';
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null): string | null {
  const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match ? match[1]! : null;
}
