// What other features may use of the webhooks feature (its public API).
export { listWebhooks } from './api/webhooks-api.js';
