// A destructive action behind a confirmation: a native modal <dialog> (focus is trapped, Esc cancels).
import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

interface Props {
  label: string;
  /** What the dialog asks, e.g. "Delete /abc123 and its click history?" */
  question: ComponentChildren;
  confirmLabel: string;
  onConfirm(): void;
  class?: string;
}

export function ConfirmButton({ label, question, confirmLabel, onConfirm, class: className = 'danger' }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  return (
    <>
      <button type="button" class={className} onClick={() => dialog.current?.showModal()}>{label}</button>
      <dialog ref={dialog} aria-label={label}>
        <form method="dialog">
          <p>{question}</p>
          <div class="actions">
            <button value="cancel" autoFocus>Cancel</button>
            <button value="confirm" class="danger" onClick={(event) => { event.preventDefault(); dialog.current?.close(); onConfirm(); }}>{confirmLabel}</button>
          </div>
        </form>
      </dialog>
    </>
  );
}
