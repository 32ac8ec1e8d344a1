// Deployment secrets: what counts as a placeholder (a value copied from an example that would
// deploy with a publicly known password), how strong values are made, and the check compose runs
// before anything else starts. config.ts refuses placeholders in what hop itself reads; the
// compose-side check (src/secrets-cli.ts check) covers the values only other services read.
import { randomBytes } from 'node:crypto';
import { generateKey, parseKey } from './auth/key-format.ts';

export const PLACEHOLDER_FIX = 'generate real values with `bun run secrets` (see README, "Secrets")';

// change-me, changeme, replace_me, <token>, your-password, xxxx, example values.
const PLACEHOLDER = /change[-_ ]?me|replace[-_ ]?me|<[^>]*>|\byour[-_ ]|^x{3,}$|^(secret|password|admin|hop)$/i;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value.trim());
}

/** 32 random bytes as hex: safe inside a URL's userinfo (DATABASE_URL, REDIS_URL) without escaping. */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}

/** The .env values `bun run secrets` fills in; the rest of .env.example is copied as it is. */
export const GENERATED_SECRETS = ['POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'ADMIN_TOKEN', 'GRAFANA_ADMIN_PASSWORD', 'GRAFANA_DB_PASSWORD'] as const;
/** The first admin API key (docs/api.md, "Access control"): an API key, not a password. */
export const INITIAL_ADMIN_KEY = 'HOP_INITIAL_ADMIN_KEY';

/** .env.example with every generated secret set to a fresh random value, and a fresh admin key. */
export function renderEnvFile(example: string, generate: () => string = generateSecret, generateApiKey: () => string = () => generateKey().key): string {
  const missing = new Set<string>([...GENERATED_SECRETS, INITIAL_ADMIN_KEY]);
  const valueOf = (name: string) => (name === INITIAL_ADMIN_KEY ? generateApiKey() : generate());
  const lines = example.split('\n').map((line) => {
    const match = /^([A-Z0-9_]+)=/.exec(line);
    if (!match || !missing.has(match[1]!)) return line;
    missing.delete(match[1]!);
    return `${match[1]}=${valueOf(match[1]!)}`;
  });
  for (const name of missing) lines.push(`${name}=${valueOf(name)}`);
  return lines.join('\n');
}

export interface SecretsReport {
  /** Values compose must not start with. */
  errors: string[];
  /** Values that leave something silently off (alerts going nowhere). */
  warnings: string[];
}

const MIN_LENGTH = 16;

/** The compose-side check over the whole .env: names the variable and the fix, never the value. */
export function checkDeploymentSecrets(env: Record<string, string | undefined>): SecretsReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const name of GENERATED_SECRETS) {
    const value = env[name]?.trim() ?? '';
    if (!value) errors.push(`${name} is not set: ${PLACEHOLDER_FIX}`);
    else if (isPlaceholder(value)) errors.push(`${name} is a placeholder value: ${PLACEHOLDER_FIX}`);
    else if (value.length < MIN_LENGTH) errors.push(`${name} is shorter than ${MIN_LENGTH} characters: ${PLACEHOLDER_FIX}`);
  }
  const adminKey = env[INITIAL_ADMIN_KEY]?.trim() ?? '';
  if ((env.AUTH_MODE?.trim().toLowerCase() ?? 'keys') !== 'open') {
    if (!adminKey) errors.push(`${INITIAL_ADMIN_KEY} is not set: ${PLACEHOLDER_FIX}, or \`bun run keys generate\``);
    else if (!parseKey(adminKey)) errors.push(`${INITIAL_ADMIN_KEY} is not an API key: ${PLACEHOLDER_FIX}, or \`bun run keys generate\``);
  }
  const chaos = env.CHAOS_TOKEN?.trim();
  if (chaos && isPlaceholder(chaos)) errors.push(`CHAOS_TOKEN is a placeholder value: leave it empty (drills off) or ${PLACEHOLDER_FIX}`);
  const webhook = env.DISCORD_WEBHOOK_URL?.trim() ?? '';
  if (!webhook) warnings.push('DISCORD_WEBHOOK_URL is not set: alerts will reach no one (AlertWebhookNotConfigured fires)');
  else if (isPlaceholder(webhook)) warnings.push('DISCORD_WEBHOOK_URL is a placeholder: alerts will reach no one (AlertWebhookNotConfigured fires)');
  return { errors, warnings };
}
