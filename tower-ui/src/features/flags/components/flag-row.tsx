import type { FlagDto } from '@tailslide/contracts';
import { Link } from 'react-router';
import { RowAction } from '../../../components/ui/row-action.js';
import { ToggleSwitch } from '../../../components/ui/toggle-switch.js';
import { formatPercent } from '../../../lib/format.js';
import { CircuitStateBadge } from '../../circuits/index.js';

/** How often a row re-reads its flag's traffic (the flag page follows it every second). */
const LIST_TRAFFIC_REFRESH_MS = 10_000;

export interface FlagRowProps {
  readonly flag: FlagDto;
  readonly pending: boolean;
  /** False for viewers: the state is shown, not the controls. */
  readonly canEdit: boolean;
  readonly onToggle: (flag: FlagDto, active: boolean) => void;
  readonly onEdit: (flag: FlagDto) => void;
  readonly onDelete: (flag: FlagDto) => void;
}

/** One flag in an app's list: name, on/off switch, rollout and circuit state. */
export function FlagRow({ flag, pending, canEdit, onToggle, onEdit, onDelete }: FlagRowProps) {
  const href = `/apps/${encodeURIComponent(flag.appId)}/flags/${encodeURIComponent(flag.key)}`;
  const recovering = flag.circuitStatus.state === 'recovering';
  return (
    <li className="flag-row" data-flag-key={flag.key}>
      <div className="flag-row__name">
        <Link to={href} className="flag-row__title">
          {flag.title}
        </Link>
        <code className="flag-row__key">{flag.key}</code>
        {flag.description && <p className="flag-row__desc muted">{flag.description}</p>}
      </div>
      <div className="flag-row__toggle">
        {canEdit ? (
          <ToggleSwitch
            checked={flag.active}
            label={`${flag.title} active`}
            disabled={pending}
            onChange={(next) => onToggle(flag, next)}
          />
        ) : (
          <FlagState active={flag.active} />
        )}
      </div>
      <div className="flag-row__rollout">
        <span className="flag-row__label">Rollout</span>
        <span>{formatPercent(flag.rolloutPercentage)}</span>
        {recovering && (
          <span className="muted" title="Rollout × recovery">
            {' '}
            (now{' '}
            {formatPercent((flag.rolloutPercentage * flag.circuitStatus.recoveryPercentage) / 100)})
          </span>
        )}
      </div>
      <div className="flag-row__circuit">
        <Link
          to={`${href}?tab=circuit`}
          aria-label={`Circuit health of ${flag.title}`}
          className="plain-link"
        >
          <CircuitStateBadge flag={flag} refreshMs={LIST_TRAFFIC_REFRESH_MS} />
        </Link>
      </div>
      <div className="row-actions flag-row__actions">
        {canEdit && (
          <>
            <RowAction label="Edit" target={flag.title} onClick={() => onEdit(flag)} />
            <RowAction label="Delete" target={flag.title} danger onClick={() => onDelete(flag)} />
          </>
        )}
      </div>
    </li>
  );
}

/** A flag's on/off state as text, for people who may not change it. */
export function FlagState({ active }: { readonly active: boolean }) {
  return (
    <span className={active ? 'badge badge--closed' : 'badge badge--muted'}>
      {active ? 'On' : 'Off'}
    </span>
  );
}
