import { useRef, useState } from 'react';

/**
 * Shows a new secret (an SDK key, an API token) once, with a copy button; the secret is dropped
 * when dismissed. `kind` names it in the labels ("New SDK key", "Copy key").
 */
export function CopyOnceSecret({
  secret,
  name,
  kind,
  noun,
  onDone,
}: {
  readonly secret: string;
  /** The name its creator gave it. */
  readonly name: string;
  /** e.g. "SDK key", "API token". */
  readonly kind: string;
  /** Short word for the buttons, e.g. "key", "token". */
  readonly noun: string;
  readonly onDone: () => void;
}) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const input = useRef<HTMLInputElement>(null);
  const copy = () => {
    const select = () => {
      input.current?.select();
      setCopied('failed');
    };
    if (!navigator.clipboard) return select();
    navigator.clipboard.writeText(secret).then(() => setCopied('yes'), select);
  };
  return (
    <div className="card banner banner--success" role="region" aria-label={`New ${kind}`}>
      <p>
        <strong>
          Copy the {noun} for “{name}” now.
        </strong>{' '}
        It will not be shown again.
      </p>
      <div className="inline-form">
        <div className="field field--grow">
          <label htmlFor="created-secret" className="visually-hidden">
            New {kind}
          </label>
          <input
            id="created-secret"
            ref={input}
            readOnly
            value={secret}
            className="mono"
            onFocus={(e) => e.target.select()}
          />
        </div>
        <button type="button" className="button button--primary" onClick={copy}>
          {copied === 'yes' ? 'Copied' : `Copy ${noun}`}
        </button>
        <button type="button" className="button" onClick={onDone}>
          I have saved it
        </button>
      </div>
      <p role="status" className="muted">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? `Copy blocked by the browser: the ${noun} is selected, press Ctrl+C.`
            : ''}
      </p>
    </div>
  );
}
