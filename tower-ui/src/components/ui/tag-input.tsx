import { useId, useState } from 'react';
import { addTags } from './tags.js';

export interface TagInputProps {
  readonly label: string;
  readonly values: readonly string[];
  readonly onChange: (values: string[]) => void;
  readonly placeholder?: string;
  readonly hint?: string;
}

/** A list of strings edited as tags: Enter, comma or paste adds; Backspace on empty removes the last. */
export function TagInput({ label, values, onChange, placeholder, hint }: TagInputProps) {
  const id = useId();
  const hintId = useId();
  const [draft, setDraft] = useState('');
  const commit = (text: string) => {
    const next = addTags(values, text);
    if (next !== values) onChange([...next]);
    setDraft('');
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="tags">
        <ul className="tags__list" aria-label={`${label} entries`}>
          {values.map((v) => (
            <li key={v} className="tag">
              <span>{v}</span>
              <button
                type="button"
                className="tag__remove"
                aria-label={`Remove ${v}`}
                onClick={() => onChange(values.filter((x) => x !== v))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
        <input
          id={id}
          className="tags__input"
          value={draft}
          placeholder={placeholder}
          aria-describedby={hint ? hintId : undefined}
          onChange={(e) => {
            const v = e.target.value;
            if (v.includes(',')) commit(v);
            else setDraft(v);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              commit(draft);
            } else if (e.key === 'Backspace' && draft === '' && values.length > 0) {
              onChange(values.slice(0, -1));
            }
          }}
          onBlur={() => {
            if (draft.trim() !== '') commit(draft);
          }}
          onPaste={(e) => {
            const text = e.clipboardData.getData('text');
            if (/[,\n\s]/.test(text.trim())) {
              e.preventDefault();
              commit(draft + text);
            }
          }}
        />
      </div>
      {hint && (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      )}
    </div>
  );
}
