// The first admin key, so a new deployment can be managed at all: compose passes one in
// (HOP_INITIAL_ADMIN_KEY, like Shlink's INITIAL_API_KEY); the embedded newcomer path makes one on
// first boot and keeps it, readable by its owner only, in the data directory.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateKey } from './key-format.ts';
import type { KeyService } from './service.ts';

export interface AdminKeyLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export const ADMIN_KEY_FILE = 'admin.key';

/** Stores HOP_INITIAL_ADMIN_KEY once (later starts and other replicas find it there already). */
export async function adoptInitialAdminKey(keys: KeyService, key: string, log: AdminKeyLog): Promise<void> {
  const keyId = key.slice(4, 12);
  const outcome = await keys.adopt(key, 'initial admin key (HOP_INITIAL_ADMIN_KEY)');
  if (outcome === 'added') log.info({ key_id: keyId }, 'stored the initial admin key from HOP_INITIAL_ADMIN_KEY');
  if (outcome === 'different') {
    log.warn({ key_id: keyId }, 'HOP_INITIAL_ADMIN_KEY was changed after first start: the stored key with this id keeps its old secret; create a new admin key with `bun run keys create --role admin` instead');
  }
}

/** Keys mode with no admin key that works: nobody can manage hop over HTTP. Says how to make one. */
export async function warnWithoutAdmin(keys: KeyService, log: AdminKeyLog): Promise<void> {
  if ((await keys.activeAdmins()) === 0) {
    log.warn({}, 'no admin API key works (none made, or all revoked or expired): create one with `bun run keys create --role admin`');
  }
}

/**
 * Embedded defaults: the data directory's admin.key (mode 0600) holds an admin key. Made on first
 * boot and announced once on stderr (never through the logger: /logs must not show it); a database
 * recreated under an existing file gets the same key back. Returns the file's path.
 */
export async function ensureEmbeddedAdminKey(keys: KeyService, dataDir: string, announce: (line: string) => void): Promise<string> {
  const file = path.resolve(dataDir, ADMIN_KEY_FILE);
  if (existsSync(file)) {
    await keys.adopt(readFileSync(file, 'utf8').trim(), 'embedded admin key');
    return file;
  }
  const { key } = generateKey();
  await keys.adopt(key, 'embedded admin key');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  announce(`hop: ==> first boot: admin API key created and saved to ${file} (mode 0600); it is shown only this once:`);
  announce(`hop: ==> ${key}`);
  announce(`hop: ==> use it as: curl -H "authorization: Bearer $(cat ${path.relative(process.cwd(), file) || file})" ...`);
  return file;
}
