/** What each feature needs configured: the /health report and the route guards share it. */
export const FEATURE_REQUIREMENTS: Record<string, readonly string[]> = {
  register: ['ACCOUNT_SID', 'AUTH_TOKEN', 'PORTAL_WEBHOOK_SECRET', 'MESSAGING_SERVICE_SID', 'SYNC_SERVICE_SID'],
  statusCallback: ['ACCOUNT_SID', 'AUTH_TOKEN', 'SYNC_SERVICE_SID'],
  incoming: ['ACCOUNT_SID', 'AUTH_TOKEN', 'SYNC_SERVICE_SID', 'MESSAGING_SERVICE_SID'],
  batch: [
    'ACCOUNT_SID',
    'AUTH_TOKEN',
    'ADMIN_TOKEN',
    'MESSAGING_SERVICE_SID',
    'SYNC_SERVICE_SID',
    'PORTAL_WEBHOOK_SECRET',
    'PORTAL_API_URL',
    'PORTAL_API_TOKEN',
  ],
  tips: ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'MESSAGING_SERVICE_SID', 'SYNC_SERVICE_SID'],
  stats: ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'SYNC_SERVICE_SID'],
};
