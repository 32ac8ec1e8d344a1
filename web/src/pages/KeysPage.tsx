// API keys: create one (its secret is shown this once), list them, revoke one. Revoking the key this
// console signed in with signs it out on its next request: the API's 401 says so.
import { useState } from 'preact/hooks';
import type { HopClient } from '../api/client.ts';
import type { ApiKey, NewKey, Role } from '../api/types.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Pager } from '../components/Pager.tsx';
import { useAction, useLoad } from '../hooks.ts';
import { session } from '../session.ts';

const PER_PAGE = 25;

function keyState(key: ApiKey): string {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at && Date.parse(key.expires_at) <= Date.now()) return 'expired';
  return 'active';
}

export function KeysPage({ client }: { client: HopClient }) {
  const [page, setPage] = useState(1);
  const [role, setRole] = useState<Role>('user');
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const keys = useLoad(() => client.keys(page, PER_PAGE), [page]);
  const action = useAction();
  const mine = session.publicId();

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const text = (name: string) => String(fields.get(name) ?? '').trim();
    const body: NewKey = { role, name: text('name') || undefined };
    if (role === 'user') body.user_id = text('user_id') ? Number(text('user_id')) : null;
    if (text('expires_at')) body.expires_at = new Date(text('expires_at')).toISOString();
    if (await action.run(async () => setCreated(await client.createKey(body)))) {
      form.reset();
      keys.reload();
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>API keys</h1>
      <form class="panel" onSubmit={create} aria-label="Create a key">
        <div class="grid">
          <div class="field"><label for="key-name">Name</label><input id="key-name" name="name" maxLength={100} placeholder="CI deploys" /></div>
          <div class="field">
            <label for="key-role">Role</label>
            <select id="key-role" value={role} onChange={(event) => setRole(event.currentTarget.value as Role)}>
              <option value="user">user: acts as one user</option>
              <option value="admin">admin: everything</option>
            </select>
          </div>
          {role === 'user' && <div class="field"><label for="key-user">User id</label><input id="key-user" name="user_id" type="number" min={1} required /></div>}
          <div class="field"><label for="key-expires">Expires at <span class="muted">(optional)</span></label><input id="key-expires" name="expires_at" type="datetime-local" /></div>
        </div>
        <button type="submit" class="primary" disabled={action.busy}>Create key</button>
      </form>
      {created && (
        <section class="panel secret" aria-labelledby="new-key-heading">
          <h2 id="new-key-heading">Key “{created.name}” created</h2>
          <p><strong>Copy it now: hop shows it this once and stores only its hash.</strong></p>
          <p><code data-testid="new-key">{created.key}</code> <CopyButton text={created.key} label="Copy the new key" /></p>
          <button type="button" class="small" onClick={() => setCreated(null)}>I have copied it</button>
        </section>
      )}
      <p role="status" class="notice">{action.notice}</p>
      <ErrorNote error={action.error ?? keys.error} />
      {keys.data && (
        <>
          <table class="links">
            <caption class="visually-hidden">API keys</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Key id</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {keys.data.rows.map((key) => {
                const state = keyState(key);
                return (
                  <tr key={key.id}>
                    <td data-label="Name">{key.name}{key.public_id === mine && <> <span class="tag">this session</span></>}</td>
                    <td data-label="Key id"><code>hop_{key.public_id}_…</code></td>
                    <td data-label="Role">{key.role}{key.user_id !== null && ` (user ${key.user_id})`}</td>
                    <td data-label="State">{state}{key.expires_at && state === 'active' && <div class="muted">until {new Date(key.expires_at).toLocaleString()}</div>}</td>
                    <td data-label="Last used">{key.last_used_at ? new Date(key.last_used_at).toLocaleString() : 'never'}</td>
                    <td>
                      {state === 'active' && (
                        <ConfirmButton label={`Revoke ${key.name}`} confirmLabel="Revoke key" class="danger small"
                          question={<>Revoke <strong>{key.name}</strong>? Every request with it is refused within a second{key.public_id === mine ? ', including this console (you will be signed out)' : ''}.</>}
                          onConfirm={() => void action.run(() => client.revokeKey(key.id), `Key ${key.name} revoked.`).then(keys.reload)} />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <Pager page={page} perPage={PER_PAGE} total={keys.data.total} onPage={setPage} />
        </>
      )}
    </>
  );
}
