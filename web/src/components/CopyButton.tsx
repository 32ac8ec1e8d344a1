// Copies a text (a short URL) and says so to screen readers too.
import { useState } from 'preact/hooks';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone('copied');
    } catch {
      setDone('failed');
    }
    setTimeout(() => setDone(null), 2000);
  };
  return (
    <button type="button" class="small" onClick={copy} aria-label={label}>
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Copy failed' : 'Copy'}
      <span class="visually-hidden" aria-live="polite">{done === 'copied' ? `${text} copied` : ''}</span>
    </button>
  );
}
