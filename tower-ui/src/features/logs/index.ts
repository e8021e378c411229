// What other features may use of the logs feature (its public API).
export { LOG_PAGE_SIZE } from './api/logs-api.js';
export { LogTable } from './components/log-table.js';
export { useAuditLog } from './hooks/use-audit-log.js';
export { mergeEntries } from './utils/log-filters.js';
