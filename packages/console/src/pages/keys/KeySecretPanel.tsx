import type { JSX } from 'solid-js';
import { CopyButton } from '../../components/CopyButton.tsx';

/**
 * The new key's secret, shown once: only its HMAC is stored, so neither the console nor the
 * API can show it again. Dismissing the panel drops it from memory.
 */
export function KeySecretPanel(props: { name: string; secret: string; rotated?: boolean; onDismiss(): void }): JSX.Element {
  return (
    <section class="panel panel-secret" aria-labelledby="key-secret-title" data-testid="key-secret-panel">
      <h2 id="key-secret-title">
        Key “{props.name}” {props.rotated ? 'has a new secret' : 'created'}
      </h2>
      <p>
        <strong>Copy this key now. You will not see it again.</strong> Store it where the app that uses it keeps its
        secrets; if it is lost, revoke it and create another.
      </p>
      <div class="secret-row">
        <code class="secret" data-testid="key-secret">
          {props.secret}
        </code>
        <CopyButton text={props.secret} label="Copy key" testId="copy-key-secret" />
      </div>
      <button type="button" class="button" onClick={() => props.onDismiss()} data-testid="dismiss-key-secret">
        I have stored it
      </button>
    </section>
  );
}
