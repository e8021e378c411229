export interface ToggleSwitchProps {
  readonly checked: boolean;
  /** Accessible name, e.g. "Enable checkout-v2". */
  readonly label: string;
  readonly onChange: (next: boolean) => void;
  readonly disabled?: boolean;
  /** Show "On"/"Off" text beside the switch. */
  readonly showState?: boolean;
}

/** An on/off switch (`role="switch"`), operable with Space/Enter like any button. */
export function ToggleSwitch({
  checked,
  label,
  onChange,
  disabled = false,
  showState = true,
}: ToggleSwitchProps) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled}
      className={checked ? 'switch switch--on' : 'switch'}
      onClick={() => onChange(!checked)}
    >
      <span className="switch__track" aria-hidden="true">
        <span className="switch__thumb" />
      </span>
      {showState && (
        <span className="switch__text" aria-hidden="true">
          {checked ? 'On' : 'Off'}
        </span>
      )}
    </button>
  );
}
