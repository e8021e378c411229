import { ROLES, type Role } from '@tailslide/contracts';

/** What each role may do, for the role pickers' hint. */
export const ROLE_HINT: Readonly<Record<Role, string>> = {
  viewer: 'reads everything except users and tokens',
  editor: 'viewer + changes apps, flags and circuits',
  admin: 'editor + users, API tokens, SDK keys and webhooks',
};

/** A `<select>` of the roles, least powerful first. */
export function RoleSelect({
  id,
  value,
  onChange,
  label,
  disabled = false,
}: {
  readonly id: string;
  readonly value: Role;
  readonly onChange: (role: Role) => void;
  /** Accessible name when there is no visible `<label for>`. */
  readonly label?: string;
  readonly disabled?: boolean;
}) {
  return (
    <select
      id={id}
      value={value}
      disabled={disabled}
      aria-label={label}
      onChange={(e) => onChange(e.target.value as Role)}
    >
      {ROLES.map((r) => (
        <option key={r} value={r} title={ROLE_HINT[r]}>
          {r}
        </option>
      ))}
    </select>
  );
}
