// Banned hosts (admin): links to these hosts (and their subdomains) are refused and existing ones
// answer 410. Adding one bans the links already pointing there; the API says how many.
import type { HopClient } from '../api/client.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { useAction, useLoad } from '../hooks.ts';

export function BannedHostsPage({ client }: { client: HopClient }) {
  const hosts = useLoad(() => client.bannedHosts(), []);
  const action = useAction();

  const ban = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const host = String(fields.get('host') ?? '').trim();
    const reason = String(fields.get('reason') ?? '').trim() || null;
    const said = ({ links_banned: count }: { links_banned: number }) => `${host} banned; ${count} existing link${count === 1 ? '' : 's'} banned with it.`;
    if (await action.run(() => client.banHost(host, reason), said)) {
      form.reset();
      hosts.reload();
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>Banned hosts</h1>
      <form class="panel" onSubmit={ban} aria-label="Ban a host">
        <div class="grid">
          <div class="field"><label for="ban-host">Host</label><input id="ban-host" name="host" required maxLength={300} placeholder="phish.example" /></div>
          <div class="field"><label for="ban-reason">Reason <span class="muted">(optional)</span></label><input id="ban-reason" name="reason" maxLength={500} /></div>
        </div>
        <button type="submit" class="primary" disabled={action.busy}>Ban host</button>
      </form>
      <p role="status" class="notice">{action.notice}</p>
      <ErrorNote error={action.error ?? hosts.error} />
      {hosts.data && (hosts.data.length === 0 ? <p class="empty">No host is banned.</p> : (
        <table class="links">
          <caption class="visually-hidden">Banned hosts</caption>
          <thead><tr><th scope="col">Host</th><th scope="col">Reason</th><th scope="col">Source</th><th scope="col">Since</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {hosts.data.map((entry) => (
              <tr key={entry.host}>
                <td data-label="Host">{entry.host}</td>
                <td data-label="Reason">{entry.reason ?? '—'}</td>
                <td data-label="Source">{entry.source}</td>
                <td data-label="Since"><time dateTime={entry.created_at}>{new Date(entry.created_at).toLocaleDateString()}</time></td>
                <td>
                  <ConfirmButton label={`Unban ${entry.host}`} confirmLabel="Unban" class="small"
                    question={<>Allow links to <strong>{entry.host}</strong> again?</>}
                    onConfirm={() => void action.run(() => client.unbanHost(entry.host), `${entry.host} unbanned.`).then(hosts.reload)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </>
  );
}
