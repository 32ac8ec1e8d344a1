// One link: edit it, switch it off or on, delete it, copy its short URL; its clicks below.
import { useState } from 'preact/hooks';
import type { ApiError, HopClient } from '../api/client.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { LinkForm } from '../components/LinkForm.tsx';
import { LinkStats } from '../components/LinkStats.tsx';
import { QrDownload } from '../components/QrDownload.tsx';
import { StatusBadge } from '../components/LinkTable.tsx';
import { asApiError, useLoad } from '../hooks.ts';
import { linkStatus, shortUrlOf } from '../links.ts';
import { navigate, RouteLink } from '../router.tsx';

export function LinkPage({ client, id }: { client: HopClient; id: number }) {
  const loaded = useLoad(() => client.link(id), [id]);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [notice, setNotice] = useState('');
  const link = loaded.data;

  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      setActionError(null);
      setNotice(done);
      loaded.reload();
    } catch (thrown) {
      setActionError(asApiError(thrown));
    }
  };

  if (!link) {
    return (
      <>
        <h1 tabIndex={-1}>Link</h1>
        <ErrorNote error={loaded.error} />
        {loaded.loading && <p>Loading…</p>}
        <p><RouteLink href="/app">Back to links</RouteLink></p>
      </>
    );
  }
  const shortUrl = shortUrlOf(link);
  const status = linkStatus(link);
  return (
    <>
      <p class="crumbs"><RouteLink href="/app">Links</RouteLink> / {link.short_code}</p>
      <h1 tabIndex={-1}>/{link.short_code}</h1>
      <p class="short-url">
        <a href={shortUrl} target="_blank" rel="noopener" data-testid="short-url">{shortUrl}</a>{' '}
        <CopyButton text={shortUrl} label="Copy the short URL" /> <StatusBadge status={status} />
      </p>
      <dl class="facts">
        <dt>Target</dt><dd class="target-full">{link.original_url}</dd>
        {link.title && <><dt>Title</dt><dd>{link.title}</dd></>}
        {link.tags.length > 0 && <><dt>Tags</dt><dd>{link.tags.map((tag) => <span class="tag" key={tag}>{tag}</span>)}</dd></>}
        {link.expires_at && <><dt>Expires</dt><dd><time dateTime={link.expires_at}>{new Date(link.expires_at).toLocaleString()}</time></dd></>}
        {link.max_clicks !== null && <><dt>Clicks used</dt><dd>{link.clicks_used.toLocaleString()} of {link.max_clicks.toLocaleString()}</dd></>}
        {link.expired_url && <><dt>Afterwards</dt><dd class="target-full">{link.expired_url}</dd></>}
        {link.banned && <><dt>Banned</dt><dd>{link.ban_reason ?? 'by an operator'}</dd></>}
        <dt>Created</dt><dd><time dateTime={link.created_at}>{new Date(link.created_at).toLocaleString()}</time></dd>
        <dt>Changed</dt><dd><time dateTime={link.updated_at}>{new Date(link.updated_at).toLocaleString()}</time></dd>
      </dl>
      <p role="status" class="notice">{notice}</p>
      <ErrorNote error={actionError} />
      <div class="actions">
        {link.is_active
          ? <button type="button" onClick={() => act(() => client.updateLink(id, { is_active: false }), 'Link deactivated: it now answers 404.')}>Deactivate</button>
          : <button type="button" onClick={() => act(() => client.updateLink(id, { is_active: true }), 'Link activated.')}>Activate</button>}
        <QrDownload client={client} id={id} code={link.short_code} onError={setActionError} />
        <ConfirmButton label="Delete" confirmLabel="Delete link"
          question={<>Delete <strong>/{link.short_code}</strong>? Its short URL stops working; this cannot be undone.</>}
          onConfirm={() => act(async () => { await client.deleteLink(id); navigate('/app'); }, 'Link deleted.')} />
      </div>
      <LinkStats client={client} id={id} />
      <section aria-labelledby="edit-heading" class="panel">
        <h2 id="edit-heading">Edit</h2>
        <LinkForm key={link.updated_at} link={link} submitLabel="Save changes"
          onSubmit={async (body) => {
            const { short_code: _unchangeable, ...patch } = body;
            await client.updateLink(id, patch);
            setNotice('Saved.');
            loaded.reload();
          }} />
      </section>
    </>
  );
}
