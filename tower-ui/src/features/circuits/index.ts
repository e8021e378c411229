// What other features may use of the circuits feature (its public API).
export { CircuitBadge } from './components/circuit-badge.js';
export { CircuitStateBadge } from './components/circuit-state-badge.js';
