/**
 * A modal confirmation for destructive actions: the person types the thing's name before the
 * button that acts is enabled (a `<dialog>`, so no script-built overlay and nothing inline).
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  message: string;
  /** What must be typed to confirm. */
  confirmText: string;
  actionLabel: string;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      setTyped('');
      dialog.showModal();
    }
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class="confirm" aria-label={props.title} onCancel={props.onCancel}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          if (typed === props.confirmText) props.onConfirm();
        }}
      >
        <h2>{props.title}</h2>
        <p>{props.message}</p>
        <label>
          Type <strong>{props.confirmText}</strong> to confirm
          <input
            name="confirm"
            autocomplete="off"
            value={typed}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
        </label>
        <div class="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={typed !== props.confirmText || props.busy}>
            {props.actionLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
