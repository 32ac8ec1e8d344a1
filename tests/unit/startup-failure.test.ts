import { describe, expect, it } from 'bun:test';
import { EmbeddedStartError } from '../../db/embedded.ts';
import { describeStartupFailure } from '../../src/startup-failure.ts';

const context = { databaseUrl: 'postgres://u:secret@db.example:6543/shop', embedded: false, host: '0.0.0.0', port: 3000 };
const postgres = (code: string, errno?: string, message = 'boom') => Object.assign(new Error(message), { name: 'PostgresError', code, errno });

describe('start-up failures as one line', () => {
  it('names the cause and the fix for each failure an operator can fix', () => {
    expect(describeStartupFailure(Object.assign(new Error('Failed to start server. Is port 3000 in use?'), { code: 'EADDRINUSE' }), context)).toBe(
      'port 3000 on 0.0.0.0 is already in use (another hop?): stop that process, or set PORT to a free port',
    );
    expect(describeStartupFailure(Object.assign(new Error('listen'), { code: 'EADDRNOTAVAIL' }), context)).toContain('HOST 0.0.0.0 is not an address');
    expect(describeStartupFailure(Object.assign(new Error('listen EACCES'), { code: 'EACCES' }), context)).toContain('set PORT above 1023');
    expect(describeStartupFailure(postgres('ERR_POSTGRES_CONNECTION_REFUSED'), context)).toBe(
      'cannot reach Postgres at db.example:6543 (ERR_POSTGRES_CONNECTION_REFUSED): start it, or fix the host and port in DATABASE_URL',
    );
    expect(describeStartupFailure(postgres('ERR_POSTGRES_SERVER_ERROR', '3D000'), context)).toContain('database "shop" does not exist on db.example:6543: create it (createdb -h db.example shop)');
    expect(describeStartupFailure(postgres('ERR_POSTGRES_SERVER_ERROR', '28P01', 'password authentication failed'), context)).toContain('refused the login');
    expect(describeStartupFailure(postgres('ERR_POSTGRES_SERVER_ERROR', '55P03', 'canceling statement due to lock timeout'), context)).toContain('a migration waited too long for a table lock on db.example:6543 (canceling statement due to lock timeout): find the session holding it');
    expect(describeStartupFailure(postgres('ERR_POSTGRES_SERVER_ERROR', '53300', 'too many clients'), context)).toContain('53300: too many clients');
    expect(describeStartupFailure(new EmbeddedStartError('initdb failed (x): do y'), { ...context, embedded: true })).toBe('cannot start the embedded Postgres: initdb failed (x): do y');
    expect(describeStartupFailure(new Error('odd\nsecond line'), context)).toBe('start-up failed (odd): see the log above and docs/runbook.md#start-up-failures');
  });

  it('never shows the password of DATABASE_URL', () => {
    const lines = ['ERR_POSTGRES_CONNECTION_REFUSED', 'ERR_POSTGRES_SERVER_ERROR'].map((code) => describeStartupFailure(postgres(code, '3D000'), context));
    for (const line of lines) expect(line).not.toContain('secret');
  });
});
