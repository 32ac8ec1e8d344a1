// A small History-API router for /app/...: hop answers every console path with the same page, and
// this module decides what it shows.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();
const where = () => location.pathname;

export function navigate(to: string): void {
  if (to === where() + location.search) return;
  history.pushState(null, '', to);
  for (const listener of listeners) listener();
}

addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

/** The current path, re-rendering on navigation. */
export function usePath(): string {
  const [path, setPath] = useState(where());
  useEffect(() => {
    const listener = () => setPath(where());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return path;
}

interface LinkProps {
  href: string;
  children: ComponentChildren;
  class?: string;
  'aria-current'?: 'page' | undefined;
}

/** An ordinary link (open in a new tab works) that navigates in place on a plain click. */
export function RouteLink({ href, children, ...rest }: LinkProps) {
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={onClick} {...rest}>{children}</a>;
}
