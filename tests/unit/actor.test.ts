import { describe, expect, it } from 'bun:test';
import { ANONYMOUS, OPEN_ACTOR, ownerScope, requireAdmin } from '../../src/auth/actor.ts';
import { AppError } from '../../src/http/errors.ts';

describe('actor', () => {
  it('scopes a user key to its user, an admin to nothing and an anonymous caller to no row', () => {
    expect(ownerScope({ kind: 'user', userId: 7, keyId: 1 })).toBe(7);
    expect(ownerScope(OPEN_ACTOR)).toBeNull();
    expect(ownerScope(ANONYMOUS)).toBe(-1);
  });

  it('lets only admins through requireAdmin, with a forbidden error otherwise', () => {
    expect(() => requireAdmin(OPEN_ACTOR)).not.toThrow();
    for (const actor of [ANONYMOUS, { kind: 'user', userId: 1, keyId: 1 } as const]) {
      try {
        requireAdmin(actor);
        throw new Error('expected a throw');
      } catch (error) {
        expect(error).toBeInstanceOf(AppError);
        expect((error as AppError).code).toBe('forbidden');
      }
    }
  });
});
