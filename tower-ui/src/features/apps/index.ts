// What other features may use of the apps feature (its public API).
export { getApp, listApps } from './api/apps-api.js';
