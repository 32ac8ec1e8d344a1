// The console's shell: finds out whether hop wants a key, keeps the signed-in state, and draws the
// page the path names. Access is the API's decision: a 401 anywhere returns to sign-in.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { HopClient } from './api/client.ts';
import { BannedHostsPage } from './pages/BannedHostsPage.tsx';
import { KeysPage } from './pages/KeysPage.tsx';
import { LinkPage } from './pages/LinkPage.tsx';
import { LinksPage } from './pages/LinksPage.tsx';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';
import { RouteLink, usePath } from './router.tsx';
import { session } from './session.ts';

type AuthMode = 'open' | 'keys';

// Admin sections are listed for everyone: the API answers a user key's visit with its own 403 text.
const SECTIONS = [
  { href: '/app', label: 'Links' },
  { href: '/app/overview', label: 'Overview' },
  { href: '/app/users', label: 'Users' },
  { href: '/app/keys', label: 'API keys' },
  { href: '/app/banned-hosts', label: 'Banned hosts' },
] as const;

function pageFor(path: string, client: HopClient) {
  const link = /^\/app\/links\/(\d+)$/.exec(path);
  if (link) return <LinkPage client={client} id={Number(link[1])} />;
  if (path === '/app/overview') return <OverviewPage client={client} />;
  if (path === '/app/users') return <UsersPage client={client} />;
  if (path === '/app/keys') return <KeysPage client={client} />;
  if (path === '/app/banned-hosts') return <BannedHostsPage client={client} />;
  return <LinksPage client={client} />;
}

export function App() {
  const path = usePath();
  const [auth, setAuth] = useState<AuthMode | null>(null);
  const [signedIn, setSignedIn] = useState(session.key() !== null);
  const [reason, setReason] = useState<string | null>(null);
  const main = useRef<HTMLElement>(null);
  const client = useMemo(() => new HopClient({
    key: () => session.key(),
    unauthorized: (message) => {
      session.clear();
      setReason(message);
      setSignedIn(false);
    },
  }), []);

  useEffect(() => {
    client.ready().then((ready) => setAuth(ready.auth ?? 'open'), () => setAuth('keys'));
  }, [client]);
  // A page reached in place moves focus to its heading, so keyboard and screen-reader users start
  // there; a fresh load leaves focus at the top, where Tab reaches "Skip to content" first.
  const loaded = useRef(false);
  useEffect(() => {
    if (auth === null) return;
    if (loaded.current) main.current?.querySelector<HTMLElement>('h1')?.focus();
    loaded.current = true;
  }, [path, signedIn, auth]);

  if (auth === null) return <main id="main"><p>Loading…</p></main>;
  if (auth === 'keys' && !signedIn) {
    return <SignInPage client={client} reason={reason} onSignedIn={() => { setReason(null); setSignedIn(true); }} />;
  }
  const signOut = () => {
    session.clear();
    setReason(null);
    setSignedIn(false);
  };
  const current = (href: string) => (href === '/app' ? path === '/app' || path.startsWith('/app/links') : path.startsWith(href));
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">hop</span>
        <nav aria-label="Sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.href}><RouteLink href={section.href} aria-current={current(section.href) ? 'page' : undefined}>{section.label}</RouteLink></li>
            ))}
          </ul>
        </nav>
        {auth === 'keys' ? <button type="button" class="small" onClick={signOut}>Sign out</button> : <span class="muted small-text" title="AUTH_MODE=open: the API needs no key">open mode</span>}
      </header>
      <main id="main" ref={main}>{pageFor(path, client)}</main>
    </>
  );
}
