// Sign in with an API key. The key is checked by asking the API for something; what it may see is
// decided there. A key that stops working later (revoked, expired) brings the user back here.
import { useState } from 'preact/hooks';
import type { ApiError, HopClient } from '../api/client.ts';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { asApiError } from '../hooks.ts';
import { session } from '../session.ts';

interface Props {
  client: HopClient;
  /** Why we are here: the API's words for the last 401, if any. */
  reason: string | null;
  onSignedIn(): void;
}

export function SignInPage({ client, reason, onSignedIn }: Props) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const fields = new FormData(event.currentTarget as HTMLFormElement);
    session.save(String(fields.get('key') ?? '').trim(), fields.get('remember') === 'on');
    setBusy(true);
    try {
      await client.checkKey();
      onSignedIn();
    } catch (thrown) {
      session.clear();
      setError(asApiError(thrown));
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1 tabIndex={-1}>Sign in to hop</h1>
      {reason && !error && <div class="error" role="alert"><p>{reason}</p></div>}
      <form onSubmit={submit}>
        <div class="field">
          <label for="api-key">API key</label>
          <input id="api-key" name="key" type="password" required autoComplete="off" spellcheck={false} placeholder="hop_…" aria-describedby="api-key-hint" />
          <small id="api-key-hint">An admin creates keys with <code>bun run keys create</code> or on the Keys page.</small>
        </div>
        <div class="check">
          <input id="remember" name="remember" type="checkbox" />
          <label for="remember">Remember me on this device</label>
        </div>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>Sign in</button>
      </form>
    </main>
  );
}
