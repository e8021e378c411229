// What other features may use of the webhooks feature (its public API).
export { listAllWebhooks } from './api/webhooks-api.js';
