export interface RowActionProps {
  /** The verb on the button, e.g. "Delete". */
  readonly label: string;
  /** What it acts on, for the accessible name ("Delete Checkout"). */
  readonly target: string;
  /** Styles a destructive action. */
  readonly danger?: boolean;
  readonly onClick: () => void;
}

/** A small button in a list row whose accessible name says which row it acts on. */
export function RowAction({ label, target, danger = false, onClick }: RowActionProps) {
  return (
    <button
      type="button"
      className={danger ? 'button button--small button--danger-outline' : 'button button--small'}
      onClick={onClick}
      aria-label={`${label} ${target}`}
    >
      {label}
    </button>
  );
}
