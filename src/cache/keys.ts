// Every Redis key and channel hop uses, with the story of when each goes stale. Every name starts
// with the deployment's prefix (REDIS_KEY_PREFIX, by default derived from the database identity in
// src/config.ts), so deployments with different databases can share one Redis without serving each
// other's links or dropping each other's cache entries.
// - <prefix>link:<code> (L2; L1 holds the same entry in process) goes stale when that link is
//   created, edited, deactivated or deleted. The service commits first, then deletes the L2 key and
//   publishes <code> on the invalidation channel; each replica drops its L1 entry on the message.
//   The delete and publish repeat once a second later to close the window where a reader that
//   loaded the old row just before the commit writes it back.
// - Unknown codes are cached negatively (both tiers) for a short TTL; creating the code invalidates it.
// - When Redis is unreachable, L1's short TTL bounds staleness; failed deletes are replayed on reconnect
//   and every L1 is cleared when the invalidation subscriber reconnects (it may have missed messages).
// - API keys resolved by src/auth/key-resolver.ts live in L1 only (never Redis: a key's hash is
//   not shared with anything else), for a short TTL. Revoking a key, or deleting a user (whose keys
//   go with it), publishes on the key revocation channel and every replica drops its resolved keys; a
//   replica whose subscriber reconnects drops them too (it may have missed a message). Without
//   Redis the TTL bounds how long another replica may still accept a revoked key.

export interface CacheKeys {
  readonly prefix: string;
  /** Pub/sub channel carrying invalidated short codes to every replica of this deployment. */
  readonly invalidationChannel: string;
  /** Pub/sub channel telling every replica of this deployment to drop its resolved API keys. */
  readonly keyRevocationChannel: string;
  link(shortCode: string): string;
  /** SCAN pattern matching every link key of this deployment (and no other's). */
  readonly linkPattern: string;
  /** Any other channel a module needs, namespaced the same way. */
  channel(name: string): string;
}

// SCAN patterns treat these as wildcards; a prefix carrying one must match itself only.
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

export function cacheKeys(prefix: string): CacheKeys {
  return Object.freeze({
    prefix,
    invalidationChannel: `${prefix}link-invalidations`,
    keyRevocationChannel: `${prefix}key-revocations`,
    link: (shortCode: string) => `${prefix}link:${shortCode}`,
    linkPattern: `${escapeGlob(prefix)}link:*`,
    channel: (name: string) => `${prefix}${name}`,
  });
}
