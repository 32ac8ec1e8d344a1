// What a run needs before the load starts, made through the public API like a client would:
// one user and the tier's links (whose codes the redirects then hit). Same steps as k6's setup().
import { writeLimitHint } from '../summary.ts';
import { MIN_SETUP_LINK_SHARE, setupLinkBody, setupUserBody, type Tier } from '../tiers.ts';

export interface Fixtures {
  readonly userId: number;
  /** Short codes in creation order; rank 0 becomes the hottest link. */
  readonly codes: readonly string[];
}

/** Links are created this many at a time: quick, without a thundering herd of its own. */
const SETUP_CONCURRENCY = 16;
const REQUEST_TIMEOUT_MS = 5_000;

export class SetupError extends Error {
  override name = 'SetupError';
}

/** `apiKey`: the bearer key for hop's API (AUTH_MODE=keys); null against an open-mode hop. */
export async function createFixtures(base: string, tier: Tier, runId: string, signal: AbortSignal, apiKey: string | null = null): Promise<Fixtures> {
  const send = (base: string, method: 'GET' | 'POST', path: string, body: string | null, signal: AbortSignal) => request(base, method, path, body, signal, apiKey);
  const health = await send(base, 'GET', '/health', null, signal);
  if (health.status !== 200) throw new SetupError(`${base}/health answered ${health.status}: is hop running?`);

  const user = await send(base, 'POST', '/users', setupUserBody(runId), signal);
  if (user.status === 401 || user.status === 403) {
    throw new SetupError(`POST /users answered ${user.status}: hop runs with AUTH_MODE=keys; pass an admin key with --key or HOP_API_KEY (bun run keys create --role admin)`);
  }
  if (user.status !== 201) throw new SetupError(`POST /users answered ${user.status}: ${JSON.stringify(user.body)}`);
  const userId = field(user.body, 'id', 'number');

  const codes: (string | undefined)[] = new Array(tier.links);
  let next = 0;
  let limited = 0;
  const worker = async (): Promise<void> => {
    while (next < tier.links) {
      const index = next++;
      const link = await send(base, 'POST', '/urls', setupLinkBody(runId, index, userId), signal).catch(() => null);
      if (link?.status === 201) codes[index] = field(link.body, 'short_code', 'string');
      if (link?.status === 429) limited += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, tier.links) }, worker));
  signal.throwIfAborted();

  const made = codes.filter((code): code is string => code !== undefined);
  if (made.length < tier.links * MIN_SETUP_LINK_SHARE) {
    const hint = writeLimitHint({ errorsByStatus: { '429': limited } });
    throw new SetupError(`setup created ${made.length} of ${tier.links} links${hint ? `; ${hint}` : ''}`);
  }
  return { userId, codes: made };
}

async function request(base: string, method: 'GET' | 'POST', path: string, body: string | null, signal: AbortSignal, apiKey: string | null): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method,
    body,
    headers: { ...(body === null ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    redirect: 'manual',
    signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  return { status: response.status, body: parsed };
}

function field<T extends 'number' | 'string'>(body: unknown, name: string, type: T): T extends 'number' ? number : string {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (typeof value !== type) throw new SetupError(`expected a ${type} in "${name}", got ${JSON.stringify(body)}`);
  return value as T extends 'number' ? number : string;
}
