// The one way the console talks to hop: every request goes through HopClient, which adds the key,
// turns error bodies into ApiError (worded as the API words them) and reports a 401 once.
import { rangeQuery, toBreakdown, toStats, type BreakdownAnswer, type Dimension, type Stats, type StatsAnswer, type TopLinksAnswer } from './stats.ts';
import type { ApiKey, BannedHost, FieldProblem, Link, LinkPatch, LinkQuery, NewKey, NewLink, Page, Readiness, StatsRange, TagCount, User } from './types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined>;

interface Call {
  query?: Query;
  body?: unknown;
}

export interface ClientOptions {
  /** The key to send, read on every call (null: none, as in open mode). */
  key(): string | null;
  /** A 401: the key is missing, unknown, revoked or expired. */
  unauthorized(message: string): void;
}

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class HopClient {
  constructor(private readonly options: ClientOptions) {}

  private async send(method: string, path: string, { query, body }: Call = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const key = this.options.key();
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(withQuery(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'hop cannot be reached: check your connection and try again');
    }
    if (response.ok) return response;
    const problem = await response.json().catch(() => null) as { error?: string; details?: FieldProblem[] } | null;
    const error = new ApiError(response.status, problem?.error ?? `hop answered ${response.status}`, problem?.details);
    if (response.status === 401) this.options.unauthorized(error.message);
    throw error;
  }

  private async json<T>(method: string, path: string, call?: Call): Promise<T> {
    const response = await this.send(method, path, call);
    return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
  }

  private async page<T>(path: string, query: Query): Promise<Page<T>> {
    const response = await this.send('GET', path, { query });
    return { rows: (await response.json()) as T[], total: Number(response.headers.get('x-total-count') ?? 0) };
  }

  ready(): Promise<Readiness> {
    // /ready answers 503 with the same body when a dependency is down; the console still wants it.
    return fetch('/ready', { headers: { accept: 'application/json' } }).then((response) => response.json() as Promise<Readiness>);
  }

  /** Any authenticated call proves the key; this one is cheap. */
  async checkKey(): Promise<void> {
    await this.send('GET', '/urls', { query: { page: 1, per_page: 1 } });
  }

  links(query: LinkQuery): Promise<Page<Link>> {
    return this.page<Link>('/urls', { ...query });
  }

  link(id: number): Promise<Link> {
    return this.json('GET', `/urls/${id}`);
  }

  createLink(link: NewLink): Promise<Link> {
    return this.json('POST', '/urls', { body: link });
  }

  updateLink(id: number, patch: LinkPatch): Promise<Link> {
    return this.json('PUT', `/urls/${id}`, { body: patch });
  }

  deleteLink(id: number): Promise<void> {
    return this.json('DELETE', `/urls/${id}`);
  }

  /** The link's QR code as an image file (PNG or SVG), for a download. */
  async qr(id: number, format: 'png' | 'svg', size = 512): Promise<Blob> {
    return (await this.send('GET', `/urls/${id}/qr`, { query: { format, size } })).blob();
  }

  async linkStats(id: number, range: StatsRange): Promise<Stats> {
    return toStats(await this.json<StatsAnswer>('GET', `/urls/${id}/stats`, { query: rangeQuery(range) }), range.bots);
  }

  async linkBreakdown(id: number, dimension: Dimension, range: StatsRange) {
    return toBreakdown(await this.json<BreakdownAnswer>('GET', `/urls/${id}/stats/${dimension}`, { query: rangeQuery(range) }));
  }

  async overview(range: StatsRange): Promise<Stats> {
    return toStats(await this.json<StatsAnswer>('GET', '/stats', { query: rangeQuery(range) }), range.bots);
  }

  async topLinks(range: StatsRange, limit = 10): Promise<TopLinksAnswer['links']> {
    return (await this.json<TopLinksAnswer>('GET', '/stats/top-links', { query: { ...rangeQuery(range), limit } })).links;
  }

  tags(): Promise<TagCount[]> {
    return this.json('GET', '/tags');
  }

  bannedHosts(): Promise<BannedHost[]> {
    return this.json('GET', '/banned-hosts');
  }

  banHost(host: string, reason: string | null): Promise<BannedHost & { links_banned: number }> {
    return this.json('POST', '/banned-hosts', { body: { host, reason } });
  }

  unbanHost(host: string): Promise<void> {
    return this.json('DELETE', `/banned-hosts/${encodeURIComponent(host)}`);
  }

  keys(page: number, perPage: number): Promise<Page<ApiKey>> {
    return this.page<ApiKey>('/keys', { page, per_page: perPage });
  }

  /** The answer carries `key`, the secret itself, this once only. */
  createKey(key: NewKey): Promise<ApiKey & { key: string }> {
    return this.json('POST', '/keys', { body: key });
  }

  revokeKey(id: number): Promise<void> {
    return this.json('DELETE', `/keys/${id}`);
  }

  users(page: number, perPage: number): Promise<Page<User>> {
    return this.page<User>('/users', { page, per_page: perPage });
  }

  createUser(user: Pick<User, 'username' | 'email'>): Promise<User> {
    return this.json('POST', '/users', { body: user });
  }

  deleteUser(id: number): Promise<void> {
    return this.json('DELETE', `/users/${id}`);
  }
}
