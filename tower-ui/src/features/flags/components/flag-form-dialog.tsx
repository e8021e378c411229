import {
  MAX_REASON_LENGTH,
  CircuitMode,
  RecoveryProfile,
  type FlagDto,
  type WebhookDto,
} from '@tailslide/contracts';
import { useEffect, useId, useState, type ReactNode } from 'react';
import { Dialog } from '../../../components/ui/dialog.js';
import { TagInput } from '../../../components/ui/tag-input.js';
import { ApiError, errorMessage } from '../../../lib/api-client.js';
import { useResource } from '../../../lib/use-resource.js';
import { listAllWebhooks } from '../../webhooks/index.js';
import { createFlag, updateFlag } from '../api/flags-api.js';
import {
  NUMBER_RULES,
  flagToFormValues,
  serverFieldErrors,
  suggestKey,
  toCreateBody,
  toUpdateBody,
  validateFlagForm,
  type FlagFormErrors,
  type FlagFormField,
  type FlagFormValues,
  type NumberField,
} from '../utils/flag-form-model.js';

export interface FlagFormDialogProps {
  readonly open: boolean;
  readonly appId: string;
  /** The flag to edit, or `null` to add one. */
  readonly flag: FlagDto | null;
  readonly onClose: () => void;
  readonly onSaved: (flag: FlagDto) => void;
}

/** Add or edit a flag: every field, circuit settings with their units, alert webhooks. */
export function FlagFormDialog({ open, appId, flag, onClose, onSaved }: FlagFormDialogProps) {
  return (
    <Dialog open={open} title={flag ? `Edit ${flag.title}` : 'Add flag'} onClose={onClose} wide>
      {open && <FlagForm appId={appId} flag={flag} onCancel={onClose} onSaved={onSaved} />}
    </Dialog>
  );
}

interface FieldProps {
  readonly id: string;
  readonly label: string;
  readonly error: string | undefined;
  readonly hint?: string;
  readonly unit?: string;
  readonly children: (aria: {
    'aria-invalid': boolean;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}

function Field({ id, label, error, hint, unit, children }: FieldProps) {
  const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className={unit ? 'input-unit' : undefined}>
        {children({ 'aria-invalid': Boolean(error), 'aria-describedby': described || undefined })}
        {unit && (
          <span className="input-unit__unit" aria-hidden="true">
            {unit}
          </span>
        )}
      </div>
      {hint && (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      )}
    </div>
  );
}

function FlagForm({
  appId,
  flag,
  onCancel,
  onSaved,
}: {
  readonly appId: string;
  readonly flag: FlagDto | null;
  readonly onCancel: () => void;
  readonly onSaved: (flag: FlagDto) => void;
}) {
  const uid = useId();
  const [values, setValues] = useState<FlagFormValues>(() => flagToFormValues(flag));
  // The version the form was filled from. `flag` itself stays live (socket updates), so a change
  // made elsewhere while editing is noticed here instead of being silently overwritten.
  const [baseVersion, setBaseVersion] = useState(flag?.version ?? 0);
  const changedElsewhere = flag !== null && flag.version > baseVersion;
  const [keyTouched, setKeyTouched] = useState(flag !== null);
  const [errors, setErrors] = useState<FlagFormErrors>({});
  const [serverError, setServerError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState('');
  const webhooks = useResource<WebhookDto[]>('webhooks', (signal) => listAllWebhooks(signal));

  useEffect(() => {
    if (serverError) document.getElementById(`${uid}-server-error`)?.focus();
  }, [serverError, uid]);

  const set = <F extends FlagFormField>(field: F, value: FlagFormValues[F]) => {
    setValues((v) => {
      const next = { ...v, [field]: value };
      if (field === 'title' && !keyTouched) return { ...next, key: suggestKey(String(value)) };
      return next;
    });
    if (errors[field]) setErrors((e) => ({ ...e, [field]: undefined }));
  };
  const id = (f: FlagFormField) => `${uid}-${f}`;
  const numberField = (f: NumberField, unit: string, step: '0.1' | '1', hint?: string) => (
    <Field id={id(f)} label={NUMBER_RULES[f].label} unit={unit} error={errors[f]} hint={hint}>
      {(aria) => (
        <input
          id={id(f)}
          type="number"
          inputMode="decimal"
          step={step}
          value={values[f]}
          onChange={(e) => set(f, e.target.value)}
          {...aria}
        />
      )}
    </Field>
  );

  const submit = () => {
    setServerError(null);
    const result = validateFlagForm(values);
    if (!result.ok) {
      setErrors(result.errors);
      const first = Object.keys(result.errors)[0];
      if (first) document.getElementById(`${uid}-${first}`)?.focus();
      return;
    }
    setErrors({});
    setBusy(true);
    const req = flag
      ? updateFlag(appId, flag.key, {
          ...toUpdateBody(values, result, baseVersion),
          ...(reason.trim() ? { reason: reason.trim() } : {}),
        })
      : createFlag(appId, toCreateBody(values, result));
    req.then(
      (saved) => {
        setBusy(false);
        onSaved(saved);
      },
      (err: unknown) => {
        setBusy(false);
        if (err instanceof ApiError) {
          setErrors(serverFieldErrors(err.details));
          setServerError(
            err.code === 'version_conflict'
              ? `${err.message} Someone changed this flag meanwhile: close and reopen to edit the latest version.`
              : err.message,
          );
        } else setServerError(errorMessage(err));
      },
    );
  };

  return (
    <form
      noValidate
      className="flag-form"
      aria-label={flag ? 'Edit flag' : 'Add flag'}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {changedElsewhere && (
        <div className="banner banner--warn" role="status">
          <span>
            This flag was changed elsewhere while you were editing (now version {flag.version}).
            Saving would be refused.
          </span>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setValues(flagToFormValues(flag));
              setBaseVersion(flag.version);
              setErrors({});
              setServerError(null);
            }}
          >
            Load the latest version
          </button>
        </div>
      )}
      {serverError && (
        <p id={`${uid}-server-error`} role="alert" className="form-error" tabIndex={-1}>
          {serverError}
        </p>
      )}
      <fieldset className="fieldset">
        <legend>Flag</legend>
        <div className="grid-2">
          <Field id={id('title')} label="Title" error={errors.title}>
            {(aria) => (
              <input
                id={id('title')}
                value={values.title}
                onChange={(e) => set('title', e.target.value)}
                maxLength={200}
                autoFocus
                {...aria}
              />
            )}
          </Field>
          <Field
            id={id('key')}
            label="Key"
            error={errors.key}
            hint={
              flag
                ? 'The key cannot change: SDKs look the flag up by it.'
                : 'Used by SDKs; letters, digits, - and _.'
            }
          >
            {(aria) => (
              <input
                id={id('key')}
                value={values.key}
                readOnly={flag !== null}
                spellCheck={false}
                autoCapitalize="off"
                onChange={(e) => {
                  setKeyTouched(true);
                  set('key', e.target.value);
                }}
                {...aria}
              />
            )}
          </Field>
        </div>
        <Field id={id('description')} label="Description" error={errors.description}>
          {(aria) => (
            <textarea
              id={id('description')}
              rows={2}
              value={values.description}
              onChange={(e) => set('description', e.target.value)}
              {...aria}
            />
          )}
        </Field>
        <div className="grid-2">
          {numberField(
            'rolloutPercentage',
            '%',
            '0.1',
            'Share of users who get the flag, 0–100 in steps of 0.1.',
          )}
          {!flag && (
            <div className="field field--checkbox">
              <input
                id={id('active')}
                type="checkbox"
                checked={values.active}
                onChange={(e) => set('active', e.target.checked)}
              />
              <label htmlFor={id('active')}>Turn on after creating</label>
            </div>
          )}
        </div>
        <TagInput
          label="Whitelisted users"
          values={values.whitelist}
          onChange={(w) => set('whitelist', w)}
          placeholder="user id, then Enter"
          hint="These users always get the flag while it is on, whatever the rollout."
        />
      </fieldset>

      <fieldset className="fieldset">
        <legend>Circuit breaker</legend>
        <div className="field field--checkbox">
          <input
            id={id('circuitEnabled')}
            type="checkbox"
            checked={values.circuitEnabled}
            onChange={(e) => set('circuitEnabled', e.target.checked)}
          />
          <label htmlFor={id('circuitEnabled')}>Let Airbag trip this flag when errors spike</label>
        </div>
        <div className="grid-3">
          {numberField('errorThresholdPercentage', '%', '0.1')}
          {numberField('minimumRequests', 'req', '1', 'No decision on fewer requests.')}
          {numberField('windowSeconds', 's', '1', 'Error rate is measured over this.')}
          {numberField('recoveryDelaySeconds', 's', '1', 'Time tripped before ramping back.')}
          <Field id={id('recoveryProfile')} label="Recovery profile" error={errors.recoveryProfile}>
            {(aria) => (
              <select
                id={id('recoveryProfile')}
                value={values.recoveryProfile}
                onChange={(e) =>
                  set(
                    'recoveryProfile',
                    e.target.value === RecoveryProfile.exponential
                      ? RecoveryProfile.exponential
                      : RecoveryProfile.linear,
                  )
                }
                {...aria}
              >
                <option value={RecoveryProfile.linear}>Linear (+ points per step)</option>
                <option value={RecoveryProfile.exponential}>Exponential (× growth per step)</option>
              </select>
            )}
          </Field>
          {numberField('initialRecoveryPercentage', '%', '0.1')}
          {numberField(
            'recoveryIncrementPercentage',
            values.recoveryProfile === RecoveryProfile.linear ? 'pts' : '%',
            '0.1',
          )}
          {numberField('recoveryStepSeconds', 's', '1', 'Interval between steps.')}
          {numberField('slowCallMs', 'ms', '1', 'Blank: slowness is not a failure.')}
          <Field id={id('circuitMode')} label="Compare" error={errors.circuitMode}>
            {(aria) => (
              <select
                id={id('circuitMode')}
                value={values.circuitMode}
                onChange={(e) =>
                  set(
                    'circuitMode',
                    e.target.value === CircuitMode.relative
                      ? CircuitMode.relative
                      : CircuitMode.absolute,
                  )
                }
                {...aria}
              >
                <option value={CircuitMode.absolute}>Absolute (error rate vs threshold)</option>
                <option value={CircuitMode.relative}>Relative to control (flag-off users)</option>
              </select>
            )}
          </Field>
          {numberField(
            'relativeMarginPoints',
            'pts',
            '0.1',
            values.circuitMode === CircuitMode.relative
              ? 'Trips only if flag-on users fail this much more than flag-off users.'
              : 'Used in relative mode only.',
          )}
        </div>
        {values.circuitMode === CircuitMode.relative && Number(values.rolloutPercentage) >= 100 && (
          <p className="muted" role="note">
            At 100 % rollout nobody is in the control arm, so a relative circuit cannot trip.
          </p>
        )}
      </fieldset>

      <fieldset className="fieldset">
        <legend>Alert webhooks</legend>
        {webhooks.state.status === 'loading' && <p className="muted">Loading webhooks…</p>}
        {webhooks.state.status === 'error' && (
          <p className="field__error">
            Could not load webhooks: {errorMessage(webhooks.state.error)}
          </p>
        )}
        {webhooks.state.status === 'success' && webhooks.state.data.length === 0 && (
          <p className="muted">
            No webhooks yet. Add one on the Webhooks page to be alerted when this flag trips.
          </p>
        )}
        {webhooks.state.status === 'success' &&
          webhooks.state.data.map((w) => (
            <div key={w.id} className="field field--checkbox">
              <input
                id={`${uid}-wh-${w.id}`}
                type="checkbox"
                checked={values.alertWebhookIds.includes(w.id)}
                onChange={(e) =>
                  set(
                    'alertWebhookIds',
                    e.target.checked
                      ? [...values.alertWebhookIds, w.id]
                      : values.alertWebhookIds.filter((x) => x !== w.id),
                  )
                }
              />
              <label htmlFor={`${uid}-wh-${w.id}`}>
                {w.name} <span className="muted">{w.urlMasked}</span>
              </label>
            </div>
          ))}
      </fieldset>

      {flag && (
        <div className="field">
          <label htmlFor={`${uid}-reason`}>Reason (optional)</label>
          <input
            id={`${uid}-reason`}
            value={reason}
            maxLength={MAX_REASON_LENGTH}
            onChange={(e) => setReason(e.target.value)}
            placeholder="Shown in the log, e.g. the incident or ticket"
          />
        </div>
      )}

      <div className="form-actions form-actions--sticky">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Saving…' : flag ? 'Save changes' : 'Create flag'}
        </button>
      </div>
    </form>
  );
}
