// Create or edit a link, its options included. The API validates; the form only shapes the body
// (an emptied option is sent as null on an edit, which clears it) and shows what the API said.
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client.ts';
import type { Link, LinkOptions, NewLink } from '../api/types.ts';
import { asApiError } from '../hooks.ts';
import { parseTags, toLocalInput } from '../links.ts';
import { ErrorNote } from './ErrorNote.tsx';

interface Props {
  /** Absent: a new link (a custom slug may be chosen). */
  link?: Link;
  submitLabel: string;
  onSubmit(body: NewLink): Promise<unknown>;
}

function optionsFrom(fields: FormData, editing: boolean): LinkOptions {
  const text = (name: string) => String(fields.get(name) ?? '').trim();
  const options: LinkOptions = {};
  const expires = text('expires_at');
  const limit = text('max_clicks');
  const fallback = text('expired_url');
  // On a create an empty option is simply left out; on an edit it is cleared.
  if (expires || editing) options.expires_at = expires ? new Date(expires).toISOString() : null;
  if (limit || editing) options.max_clicks = limit ? Number(limit) : null;
  if (fallback || editing) options.expired_url = fallback || null;
  options.tags = parseTags(text('tags'));
  return options;
}

export function LinkForm({ link, submitLabel, onSubmit }: Props) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const id = (name: string) => `${link ? `edit-${link.id}` : 'new-link'}-${name}`;

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const text = (name: string) => String(fields.get(name) ?? '').trim();
    const body: NewLink = { original_url: text('original_url'), title: text('title') || null, ...optionsFrom(fields, link !== undefined) };
    if (!link && text('short_code')) body.short_code = text('short_code');
    setBusy(true);
    try {
      await onSubmit(body);
      setError(null);
      if (!link) form.reset();
    } catch (thrown) {
      setError(asApiError(thrown));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="link-form" onSubmit={submit}>
      <div class="grid">
        <div class="field">
          <label for={id('url')}>Target URL</label>
          <input id={id('url')} name="original_url" type="url" required maxLength={2048} placeholder="https://example.com/page" value={link?.original_url} />
        </div>
        <div class="field">
          <label for={id('title')}>Title <span class="muted">(optional)</span></label>
          <input id={id('title')} name="title" maxLength={500} value={link?.title ?? ''} />
        </div>
        {!link && (
          <div class="field">
            <label for={id('code')}>Custom short code <span class="muted">(optional)</span></label>
            <input id={id('code')} name="short_code" maxLength={64} pattern="[A-Za-z0-9_\-]+" aria-describedby={id('code-hint')} />
            <small id={id('code-hint')}>Letters, digits, “-” and “_”; left empty, hop draws one.</small>
          </div>
        )}
        <div class="field">
          <label for={id('tags')}>Tags <span class="muted">(optional)</span></label>
          <input id={id('tags')} name="tags" value={link?.tags.join(', ') ?? ''} aria-describedby={id('tags-hint')} />
          <small id={id('tags-hint')}>Comma-separated, e.g. “spring, newsletter”.</small>
        </div>
      </div>
      <fieldset>
        <legend>Limits <span class="muted">(optional)</span></legend>
        <div class="grid">
          <div class="field">
            <label for={id('expires')}>Expires at</label>
            <input id={id('expires')} name="expires_at" type="datetime-local" value={toLocalInput(link?.expires_at ?? null)} aria-describedby={id('expires-hint')} />
            <small id={id('expires-hint')}>Your time zone ({Intl.DateTimeFormat().resolvedOptions().timeZone}).</small>
          </div>
          <div class="field">
            <label for={id('limit')}>Click limit</label>
            <input id={id('limit')} name="max_clicks" type="number" min={1} step={1} value={link?.max_clicks ?? ''} />
          </div>
          <div class="field">
            <label for={id('fallback')}>Afterwards, send visitors to</label>
            <input id={id('fallback')} name="expired_url" type="url" maxLength={2048} value={link?.expired_url ?? ''} placeholder="a 404 when empty" />
          </div>
        </div>
      </fieldset>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>{submitLabel}</button>
    </form>
  );
}
