import type { CreatedSdkKeyDto } from '@tailslide/contracts';
import { useRef, useState } from 'react';

/** Shows a new key's secret once, with a copy button; the secret is dropped when dismissed. */
export function CopyOnceKey({
  created,
  onDone,
}: {
  readonly created: CreatedSdkKeyDto;
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
    navigator.clipboard.writeText(created.key).then(() => setCopied('yes'), select);
  };
  return (
    <div className="card banner banner--success" role="region" aria-label="New SDK key">
      <p>
        <strong>Copy the key for “{created.name}” now.</strong> It will not be shown again.
      </p>
      <div className="inline-form">
        <div className="field field--grow">
          <label htmlFor="created-key" className="visually-hidden">
            New SDK key
          </label>
          <input
            id="created-key"
            ref={input}
            readOnly
            value={created.key}
            className="mono"
            onFocus={(e) => e.target.select()}
          />
        </div>
        <button type="button" className="button button--primary" onClick={copy}>
          {copied === 'yes' ? 'Copied' : 'Copy key'}
        </button>
        <button type="button" className="button" onClick={onDone}>
          I have saved it
        </button>
      </div>
      <p role="status" className="muted">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'Copy blocked by the browser: the key is selected, press Ctrl+C.'
            : ''}
      </p>
    </div>
  );
}
