import { useState } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { ApiError } from '../../../lib/api-client.js';
import { useSubmit } from '../../../lib/use-submit.js';
import { login } from '../api/auth-api.js';
import { useSession } from '../hooks/use-session.js';
import { PasswordField } from '../../../components/ui/password-field.js';

/** Where to go after signing in: the page that asked (`?next=`), only if it is one of ours. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login')
    ? next
    : '/apps';
}

/** The sign-in form. Tower sets an HttpOnly cookie; the page never sees the session secret. */
export function LoginPage() {
  const session = useSession();
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const submit = useSubmit();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = safeNext(params.get('next'));
  const expired = (location.state as { expired?: boolean } | null)?.expired === true;

  if (session.state.status === 'signed-in') return <Navigate to={next} replace />;
  return (
    <main id="main" className="login">
      <form
        className="card login__card"
        aria-labelledby="login-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (email.trim() === '' || password === '') {
            submit.fail('Enter your email and password.');
            return;
          }
          submit.run(
            () =>
              login({ email: email.trim(), password }).catch((err: unknown) => {
                if (err instanceof ApiError && err.status === 401) {
                  throw new Error('Wrong email or password.');
                }
                throw err;
              }),
            ({ user }) => {
              session.signedIn(user);
              void navigate(next, { replace: true });
            },
          );
        }}
      >
        <h1 id="login-title" className="login__title">
          <span className="brand__mark" aria-hidden="true">
            ◢
          </span>{' '}
          Sign in to Tailslide
        </h1>
        {expired && (
          <p role="status" className="banner banner--warn">
            Your session has ended. Sign in again to continue.
          </p>
        )}
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input
            id="login-email"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </div>
        <PasswordField
          id="login-password"
          label="Password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
          required
        />
        {submit.error && (
          <p role="alert" className="form-error">
            {submit.error}
          </p>
        )}
        <button type="submit" className="button button--primary" disabled={submit.busy}>
          {submit.busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
