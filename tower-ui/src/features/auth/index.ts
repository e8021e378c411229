// What other features may use of the auth feature (its public API).
export { useCan, useSession, useUser } from './hooks/use-session.js';
