// Knows which methods each route template answers, so an unmatched method is a 405, not a 404.

interface RouteEntry {
  method: string;
  pattern: RegExp;
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
      .map((route) => ({ method: route.method, pattern: patternOf(route.path) }));
  }

  methodsFor(pathname: string): string[] {
    const methods = new Set<string>();
    for (const entry of this.entries) if (entry.pattern.test(pathname)) methods.add(entry.method);
    return [...methods].sort();
  }
}
