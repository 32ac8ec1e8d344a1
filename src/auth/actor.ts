// Who is asking: decided once per request by the auth plugin (src/auth/plugin.ts) and handed to
// services, which apply ownership in their queries. Handlers never compare roles themselves.
import { AppError } from '../http/errors.ts';

export type Actor =
  /** An admin key, or anyone at all in AUTH_MODE=open (keyId null). */
  | { readonly kind: 'admin'; readonly keyId: number | null }
  /** A user key: acts as that user and sees only that user's resources. */
  | { readonly kind: 'user'; readonly userId: number; readonly keyId: number }
  /** No key, on a route that allows it (public routes; POST /shorten with ANONYMOUS_SHORTEN). */
  | { readonly kind: 'anonymous' };

/** AUTH_MODE=open: the hackathon contract, where every caller may do everything. */
export const OPEN_ACTOR: Actor = Object.freeze({ kind: 'admin', keyId: null });
export const ANONYMOUS: Actor = Object.freeze({ kind: 'anonymous' });

/**
 * The user whose rows this actor may touch: null for an admin (no restriction). Services put it
 * in their WHERE clause (`and user_id = $owner`), so a forgotten check cannot leak a row.
 * An anonymous actor owns nothing: -1 matches no row.
 */
export function ownerScope(actor: Actor): number | null {
  if (actor.kind === 'admin') return null;
  return actor.kind === 'user' ? actor.userId : -1;
}

/** Throws 403 unless the actor is an admin. */
export function requireAdmin(actor: Actor): void {
  if (actor.kind !== 'admin') throw new AppError('forbidden', 'this action needs an admin key');
}
