// Users (admin): a paged list, adding one, deleting one (with its links and history) after a confirmation.
import { useState } from 'preact/hooks';
import type { HopClient } from '../api/client.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { Pager } from '../components/Pager.tsx';
import { useAction, useLoad } from '../hooks.ts';

const PER_PAGE = 25;

export function UsersPage({ client }: { client: HopClient }) {
  const [page, setPage] = useState(1);
  const users = useLoad(() => client.users(page, PER_PAGE), [page]);
  const action = useAction();

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const user = { username: String(fields.get('username') ?? '').trim(), email: String(fields.get('email') ?? '').trim() };
    if (await action.run(() => client.createUser(user), `User ${user.username} added.`)) {
      form.reset();
      users.reload();
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>Users</h1>
      <form class="panel" onSubmit={create} aria-label="Add a user">
        <div class="grid">
          <div class="field"><label for="user-name">Username</label><input id="user-name" name="username" required maxLength={64} /></div>
          <div class="field"><label for="user-email">Email</label><input id="user-email" name="email" type="email" required /></div>
        </div>
        <button type="submit" class="primary" disabled={action.busy}>Add user</button>
      </form>
      <p role="status" class="notice">{action.notice}</p>
      <ErrorNote error={action.error ?? users.error} />
      {users.data && (
        <>
          <table class="links">
            <caption class="visually-hidden">Users</caption>
            <thead><tr><th scope="col">Id</th><th scope="col">Username</th><th scope="col">Email</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {users.data.rows.map((user) => (
                <tr key={user.id}>
                  <td data-label="Id">{user.id}</td>
                  <td data-label="Username">{user.username}</td>
                  <td data-label="Email">{user.email}</td>
                  <td data-label="Created"><time dateTime={user.created_at}>{new Date(user.created_at).toLocaleDateString()}</time></td>
                  <td>
                    <ConfirmButton label={`Delete ${user.username}`} confirmLabel="Delete user" class="danger small"
                      question={<>Delete <strong>{user.username}</strong> with all their links and click history?</>}
                      onConfirm={() => void action.run(() => client.deleteUser(user.id), `User ${user.username} deleted.`).then(users.reload)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} perPage={PER_PAGE} total={users.data.total} onPage={setPage} />
        </>
      )}
    </>
  );
}
