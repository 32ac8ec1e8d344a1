// `bun run keys create|list|revoke|generate`: manage API keys straight in the database (the same
// service the HTTP API uses). `create` and `generate` print the key alone on stdout for scripts.
import Redis from 'ioredis';
import { parseArgs } from 'node:util';
import { OPEN_ACTOR } from '../src/auth/actor.ts';
import { generateKey } from '../src/auth/key-format.ts';
import { KeyService, type Role } from '../src/auth/service.ts';
import { cacheKeys } from '../src/cache/keys.ts';
import { loadConfig } from '../src/config.ts';
import { AppError } from '../src/http/errors.ts';
import { cliDatabase } from './cli-database.ts';

const USAGE = `usage: bun run keys create --role admin|user [--user ID] [--name TEXT] [--expires ISO]
       bun run keys list
       bun run keys revoke ID
       bun run keys generate      (prints a new key without storing it, e.g. for HOP_INITIAL_ADMIN_KEY)`;

function fail(message: string, code = 2): never {
  console.error(`hop keys: ${message}`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { role: { type: 'string' }, user: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
} catch (error) {
  fail(`${(error as Error).message} (see bun run keys --help)`);
}
const { values, positionals } = parsed;
const [command, ...rest] = positionals;
if (values.help || !command) {
  console.log(USAGE);
  process.exit(values.help ? 0 : 2);
}
if (command === 'generate') {
  console.log(generateKey().key);
  process.exit(0);
}
if (!['create', 'list', 'revoke'].includes(command)) fail(`unknown command "${command}" (see bun run keys --help)`);
if (command === 'create' && values.role !== 'admin' && values.role !== 'user') fail('create needs --role admin or --role user');
if (command === 'revoke' && !/^\d+$/.test(rest[0] ?? '')) fail('revoke needs the numeric key id (see `bun run keys list`)');
if (values.user !== undefined && !/^\d+$/.test(values.user)) fail(`--user must be a user id, got "${values.user}"`);

const { db, close } = await cliDatabase();
const config = loadConfig();
// Revocations reach running replicas over Redis, as they do from the API.
const announceRevocation = async () => {
  if (!config.redisUrl) return;
  const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2_000 });
  try {
    await redis.connect();
    await redis.publish(cacheKeys(config.cache.keyPrefix).keyRevocationChannel, 'revoked');
  } catch {
    console.error('hop keys: Redis unreachable: other replicas forget the key within 30 s instead of at once');
  } finally {
    redis.disconnect();
  }
};
const keys = new KeyService(db, { revoked: announceRevocation });
try {
  if (command === 'create') {
    const created = await keys.create(
      { role: values.role as Role, user_id: values.user ? Number(values.user) : null, name: values.name, expires_at: values.expires ?? null },
      OPEN_ACTOR,
    );
    console.error(`created key ${created.id} (${created.public_id}, ${created.role}${created.user_id ? `, user ${created.user_id}` : ''}); it is shown only now:`);
    console.log(created.key);
  } else if (command === 'list') {
    const { rows } = await keys.list(OPEN_ACTOR, { limit: 1_000_000, offset: 0 });
    console.log(['id', 'public_id', 'role', 'user_id', 'name', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'].join('\t'));
    for (const key of rows) {
      console.log([key.id, key.public_id, key.role, key.user_id ?? '-', key.name, key.created_at, key.expires_at ?? '-', key.revoked_at ?? '-', key.last_used_at ?? '-'].join('\t'));
    }
  } else {
    const revoked = await keys.revoke(Number(rest[0]), OPEN_ACTOR);
    console.log(`revoked key ${revoked.id} (${revoked.public_id}) at ${revoked.revoked_at}`);
  }
} catch (error) {
  await close();
  fail(error instanceof AppError ? error.message : `could not reach the database: ${(error as Error).message}`, 1);
}
await close();
