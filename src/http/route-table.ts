// Knows which methods each route template answers, so an unmatched method is a 405, not a 404, and
// which template a request belongs to when it is refused before routing (413, 429).

interface RouteEntry {
  method: string;
  path: string;
  pattern: RegExp;
  /** No `:param` and no `*`: the path is spelled out, so it wins over a template that also matches. */
  literal: boolean;
}

function patternOf(path: string): RegExp {
  const escaped = path
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${escaped || ''}/?$`);
}

export class RouteTable {
  private readonly entries: RouteEntry[];

  constructor(routes: { method: string; path: string }[]) {
    this.entries = routes
      .filter((route) => route.method !== 'ALL' && route.method !== 'HEAD' && route.method !== 'OPTIONS')
      .map((route) => ({ method: route.method, path: route.path, pattern: patternOf(route.path), literal: !/[:*]/.test(route.path) }))
      // Literal paths first, as the router prefers them.
      .sort((a, b) => Number(b.literal) - Number(a.literal));
  }

  methodsFor(pathname: string): string[] {
    return this.collect(pathname, () => true);
  }

  /**
   * Methods of the routes that spell this path out. `GET /shorten` or `GET /users/bulk` also match a
   * template (`/:short_code`, `/users/:id`), but the caller meant the literal route: that is a 405.
   */
  literalMethodsFor(pathname: string): string[] {
    return this.collect(pathname, (entry) => entry.literal);
  }

  /** The template a request would be routed to, or undefined when none takes this method and path. */
  templateFor(method: string, pathname: string): string | undefined {
    const wanted = method === 'HEAD' ? 'GET' : method;
    return this.entries.find((entry) => entry.method === wanted && entry.pattern.test(pathname))?.path;
  }

  private collect(pathname: string, keep: (entry: RouteEntry) => boolean): string[] {
    const methods = new Set<string>();
    for (const entry of this.entries) if (keep(entry) && entry.pattern.test(pathname)) methods.add(entry.method);
    return [...methods].sort();
  }
}
