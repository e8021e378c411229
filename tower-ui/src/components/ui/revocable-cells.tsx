import { formatDateTime } from '../../lib/format.js';
import { RowAction } from './row-action.js';

export interface RevocableCellsProps {
  /** Shown in the revoke button's accessible name ("Revoke ci-deploy"). */
  readonly name: string;
  /** When it was revoked; `null` while active. */
  readonly revokedAt: string | null;
  readonly onRevoke: () => void;
}

/** The Status and actions cells of a revocable credential's row (SDK keys, API tokens). */
export function RevocableCells({ name, revokedAt, onRevoke }: RevocableCellsProps) {
  return (
    <>
      <td data-label="Status">
        {revokedAt ? (
          <span className="badge badge--muted">Revoked {formatDateTime(revokedAt)}</span>
        ) : (
          <span className="badge badge--closed">Active</span>
        )}
      </td>
      <td className="row-actions">
        {!revokedAt && <RowAction label="Revoke" target={name} danger onClick={onRevoke} />}
      </td>
    </>
  );
}
