// One link: edit it, switch it off or on, delete it, copy its short URL; its clicks below.
import { useState } from 'preact/hooks';
import type { ApiError, HopClient } from '../api/client.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { LinkForm } from '../components/LinkForm.tsx';
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
        <CopyButton text={shortUrl} label="Copy the short URL" /> <span class={`badge ${status}`}>{status}</span>
      </p>
      <p class="muted">Created {new Date(link.created_at).toLocaleString()}, changed {new Date(link.updated_at).toLocaleString()}</p>
      <p role="status" class="notice">{notice}</p>
      <ErrorNote error={actionError} />
      <div class="actions">
        {link.is_active
          ? <button type="button" onClick={() => act(() => client.updateLink(id, { is_active: false }), 'Link deactivated: it now answers 404.')}>Deactivate</button>
          : <button type="button" onClick={() => act(() => client.updateLink(id, { is_active: true }), 'Link activated.')}>Activate</button>}
        <ConfirmButton label="Delete" confirmLabel="Delete link"
          question={<>Delete <strong>/{link.short_code}</strong>? Its short URL stops working; this cannot be undone.</>}
          onConfirm={() => act(async () => { await client.deleteLink(id); navigate('/app'); }, 'Link deleted.')} />
      </div>
      <section aria-labelledby="edit-heading" class="panel">
        <h2 id="edit-heading">Edit</h2>
        <LinkForm key={link.updated_at} link={link} submitLabel="Save changes"
          onSubmit={async (body) => {
            await client.updateLink(id, { original_url: body.original_url, title: body.title });
            setNotice('Saved.');
            loaded.reload();
          }} />
      </section>
    </>
  );
}
