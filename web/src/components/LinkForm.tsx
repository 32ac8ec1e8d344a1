// Create or edit a link. The API validates; the form only shapes the body and shows what it said.
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client.ts';
import type { Link, NewLink } from '../api/types.ts';
import { asApiError } from '../hooks.ts';
import { ErrorNote } from './ErrorNote.tsx';

interface Props {
  /** Absent: a new link (a custom slug may be chosen). */
  link?: Link;
  submitLabel: string;
  onSubmit(body: NewLink): Promise<unknown>;
}

export function LinkForm({ link, submitLabel, onSubmit }: Props) {
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const idPrefix = link ? `edit-${link.id}` : 'new-link';

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const fields = new FormData(form);
    const text = (name: string) => String(fields.get(name) ?? '').trim();
    const body: NewLink = { original_url: text('original_url'), title: text('title') || null };
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
      <div class="field">
        <label for={`${idPrefix}-url`}>Target URL</label>
        <input id={`${idPrefix}-url`} name="original_url" type="url" required maxLength={2048} placeholder="https://example.com/page" value={link?.original_url} />
      </div>
      <div class="field">
        <label for={`${idPrefix}-title`}>Title <span class="muted">(optional)</span></label>
        <input id={`${idPrefix}-title`} name="title" maxLength={500} value={link?.title ?? ''} />
      </div>
      {!link && (
        <div class="field">
          <label for={`${idPrefix}-code`}>Custom short code <span class="muted">(optional)</span></label>
          <input id={`${idPrefix}-code`} name="short_code" maxLength={64} pattern="[A-Za-z0-9_\-]+" aria-describedby={`${idPrefix}-code-hint`} />
          <small id={`${idPrefix}-code-hint`}>Letters, digits, “-” and “_”; left empty, hop draws one.</small>
        </div>
      )}
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>{submitLabel}</button>
    </form>
  );
}
