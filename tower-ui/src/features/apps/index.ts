// What other features may use of the apps feature (its public API).
export { getApp, listAllApps } from './api/apps-api.js';
