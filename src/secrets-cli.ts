// `bun run secrets`: writes .env from .env.example with strong random secrets (refuses to
// overwrite an existing .env unless --force; --print writes to stdout instead).
// `bun run secrets check`: the check compose's secrets-check service runs before anything starts;
// exit 1 with one line per problem when a secret is missing or a placeholder.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkDeploymentSecrets, renderEnvFile } from './secrets.ts';

const args = process.argv.slice(2);
const root = join(import.meta.dir, '..');

if (args[0] === 'check') {
  const { errors, warnings } = checkDeploymentSecrets(process.env);
  for (const warning of warnings) console.warn(`hop secrets: warning: ${warning}`);
  for (const error of errors) console.error(`hop secrets: ${error}`);
  if (errors.length) process.exit(1);
  console.log(`hop secrets: ok${warnings.length ? ` (${warnings.length} warning${warnings.length > 1 ? 's' : ''})` : ''}`);
} else {
  const unknown = args.filter((a) => a !== '--print' && a !== '--force');
  if (unknown.length) {
    console.error(`hop secrets: unknown argument ${unknown[0]}; use: bun run secrets [--print] [--force] | bun run secrets check`);
    process.exit(2);
  }
  const text = renderEnvFile(await readFile(join(root, '.env.example'), 'utf8'));
  if (args.includes('--print')) {
    process.stdout.write(text);
  } else {
    const target = join(root, '.env');
    if (existsSync(target) && !args.includes('--force')) {
      console.error('hop secrets: .env exists; keep it, or rerun with --force to replace it (its old secrets stop working)');
      process.exit(1);
    }
    await writeFile(target, text, { mode: 0o600 });
    console.log('hop secrets: wrote .env (mode 600) with fresh POSTGRES_PASSWORD, REDIS_PASSWORD, ADMIN_TOKEN, GRAFANA_ADMIN_PASSWORD, GRAFANA_DB_PASSWORD and HOP_INITIAL_ADMIN_KEY (the first admin API key)');
  }
}
