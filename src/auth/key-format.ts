// What an API key looks like: `hop_<id>_<secret>`. The `hop_` prefix makes a leaked key
// recognisable to secret scanners; the 8-character id names the key in logs and lists without the
// secret; the secret is 256 random bits (base64url). Only the SHA-256 of the whole key is stored:
// a fast hash is right for a secret this long (nothing to brute-force), and it keeps a check cheap.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const KEY_SHAPE = /^hop_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export interface ParsedKey {
  /** The public id (also stored in clear, unique). */
  publicId: string;
  /** Hex SHA-256 of the whole key. */
  hash: string;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key, its public id and its hash. The key itself is shown once and never stored. */
export function generateKey(): { key: string } & ParsedKey {
  const random = randomBytes(8);
  let publicId = '';
  // 8 bytes → 8 characters; the modulo bias over 62 symbols is irrelevant for an identifier.
  for (const byte of random) publicId += ID_ALPHABET[byte % ID_ALPHABET.length];
  const key = `hop_${publicId}_${randomBytes(32).toString('base64url')}`;
  return { key, publicId, hash: hashKey(key) };
}

/** The id and hash of a well-formed key, or null for anything else (never throws). */
export function parseKey(key: string): ParsedKey | null {
  const match = KEY_SHAPE.exec(key);
  return match ? { publicId: match[1]!, hash: hashKey(key) } : null;
}

/** Constant-time comparison of two hex SHA-256 digests. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
