import { createSignal, type JSX } from 'solid-js';

type CopyState = 'idle' | 'copied' | 'failed';

/**
 * Copies `text` to the clipboard. The Clipboard API needs a secure context and a user
 * gesture; when it is refused the button says so and the caller's text stays selectable.
 */
export function CopyButton(props: { text: string; label?: string; testId?: string }): JSX.Element {
  const [state, setState] = createSignal<CopyState>('idle');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(props.text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  const label = (): string => {
    if (state() === 'copied') return 'Copied';
    if (state() === 'failed') return 'Copy failed: select the text and copy it';
    return props.label ?? 'Copy';
  };
  return (
    <button type="button" class="button" onClick={() => void copy()} data-testid={props.testId} aria-live="polite">
      {label()}
    </button>
  );
}
