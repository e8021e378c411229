import { useState } from 'react';

/** The code a service needs to use a new key: the key in its environment and the SDK set-up. */
export function sdkSnippet(key: string): string {
  return [
    "# The service's environment (a secret: keep it out of git)",
    `TAILSLIDE_SDK_KEY=${key}`,
    '',
    "import { FlagManager } from '@tailslide/sdk-node';",
    '',
    'const flags = new FlagManager({',
    '  sdkKey: process.env.TAILSLIDE_SDK_KEY, // names its app: no appId needed',
    "  nats: process.env.NATS_URL ?? 'nats://localhost:4222',",
    "  redis: process.env.REDIS_URL ?? 'redis://localhost:6379',",
    '});',
    'await flags.initialize();',
    "const checkout = flags.newToggler({ flagName: 'new-checkout' });",
    'if (checkout.isFlagActive(user.id)) { /* … */ }',
  ].join('\n');
}

/** A copyable SDK snippet for a key that was just created (shown with the key, once). */
export function SdkSnippet({ sdkKey }: { readonly sdkKey: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  const text = sdkSnippet(sdkKey);
  return (
    <div className="card" role="region" aria-label="SDK snippet">
      <p>
        <strong>Use it in a Node.js service</strong>
      </p>
      <pre className="mono snippet" tabIndex={0}>
        <code>{text}</code>
      </pre>
      <button
        type="button"
        className="button"
        onClick={() => {
          if (!navigator.clipboard) return setCopied('failed');
          navigator.clipboard.writeText(text).then(
            () => setCopied('yes'),
            () => setCopied('failed'),
          );
        }}
      >
        {copied === 'yes' ? 'Copied' : 'Copy snippet'}
      </button>
      {copied === 'failed' && (
        <p className="muted" role="status">
          The browser refused the clipboard: select the snippet and copy it.
        </p>
      )}
    </div>
  );
}
