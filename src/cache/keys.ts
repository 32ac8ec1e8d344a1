// Every cache key hop writes, with the story of when it goes stale:
// - link:<code> (L1 and L2) goes stale when that link is created, edited, deactivated or deleted.
//   The service commits first, then deletes the L2 key and publishes <code> on INVALIDATION_CHANNEL;
//   each replica drops its L1 entry on the message. The delete and publish repeat once a second later
//   to close the window where a reader that loaded the old row just before the commit writes it back.
// - Unknown codes are cached negatively (both tiers) for a short TTL; creating the code invalidates it.
// - When Redis is unreachable, L1's short TTL bounds staleness; failed deletes are replayed on reconnect
//   and every L1 is cleared when the invalidation subscriber reconnects (it may have missed messages).

export const INVALIDATION_CHANNEL = 'hop:link-invalidations';

export const linkKey = (shortCode: string) => `link:${shortCode}`;

export const LINK_KEY_PATTERN = 'link:*';

// - API keys resolved by src/auth/key-resolver.ts live in L1 only (never Redis: a key's hash is
//   not shared with anything else), for a short TTL. Revoking a key, or deleting a user (whose keys
//   go with it), publishes on KEY_REVOCATION_CHANNEL and every replica drops its resolved keys; a
//   replica whose subscriber reconnects drops them too (it may have missed a message). Without
//   Redis the TTL bounds how long another replica may still accept a revoked key.
export const KEY_REVOCATION_CHANNEL = 'hop:key-revocations';
