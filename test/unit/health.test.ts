import { FEATURE_REQUIREMENTS } from '../../src/core/health';
import { SETTINGS } from '../../src/core/settings';

const known = new Set(SETTINGS.map((s) => s.name));

test('every feature lists settings that exist, once each', () => {
  for (const names of Object.values(FEATURE_REQUIREMENTS)) {
    for (const name of names) expect(known).toContain(name);
    expect(new Set(names).size).toBe(names.length);
  }
});

test.each([
  [
    'register',
    [
      'ACCOUNT_SID',
      'AUTH_TOKEN',
      'PORTAL_WEBHOOK_SECRET',
      'UNSUBSCRIBE_LINK_SECRET',
      'MESSAGING_SERVICE_SID',
      'SYNC_SERVICE_SID',
    ],
  ],
  ['consent', ['ACCOUNT_SID', 'AUTH_TOKEN', 'PORTAL_WEBHOOK_SECRET', 'MESSAGING_SERVICE_SID', 'SYNC_SERVICE_SID']],
  ['profile', ['ACCOUNT_SID', 'AUTH_TOKEN', 'PORTAL_WEBHOOK_SECRET', 'MESSAGING_SERVICE_SID', 'SYNC_SERVICE_SID']],
  [
    'unsubscribe',
    ['ACCOUNT_SID', 'AUTH_TOKEN', 'UNSUBSCRIBE_LINK_SECRET', 'MESSAGING_SERVICE_SID', 'SYNC_SERVICE_SID'],
  ],
  ['consentHistory', ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'SYNC_SERVICE_SID']],
  ['statusCallback', ['ACCOUNT_SID', 'AUTH_TOKEN', 'SYNC_SERVICE_SID']],
  ['incoming', ['ACCOUNT_SID', 'AUTH_TOKEN', 'SYNC_SERVICE_SID', 'MESSAGING_SERVICE_SID']],
  [
    'batch',
    [
      'ACCOUNT_SID',
      'AUTH_TOKEN',
      'ADMIN_TOKEN',
      'MESSAGING_SERVICE_SID',
      'SYNC_SERVICE_SID',
      'PORTAL_WEBHOOK_SECRET',
      'UNSUBSCRIBE_LINK_SECRET',
      'PORTAL_API_URL',
      'PORTAL_API_TOKEN',
    ],
  ],
  [
    'tips',
    [
      'ACCOUNT_SID',
      'AUTH_TOKEN',
      'ADMIN_TOKEN',
      'MESSAGING_SERVICE_SID',
      'SYNC_SERVICE_SID',
      'UNSUBSCRIBE_LINK_SECRET',
    ],
  ],
  ['stats', ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'SYNC_SERVICE_SID']],
  ['events', ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'SYNC_SERVICE_SID']],
  ['subscriberLookup', ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'SYNC_SERVICE_SID']],
  ['batchResults', ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'SYNC_SERVICE_SID']],
  ['deleteSubscriber', ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'SYNC_SERVICE_SID', 'MESSAGING_SERVICE_SID']],
])('%s needs %j', (feature, names) => {
  expect([...(FEATURE_REQUIREMENTS[feature] ?? [])].sort()).toEqual([...names].sort());
});

test('no other feature', () => {
  expect(Object.keys(FEATURE_REQUIREMENTS).sort()).toEqual(
    [
      'batch',
      'batchResults',
      'consent',
      'consentHistory',
      'deleteSubscriber',
      'events',
      'incoming',
      'profile',
      'register',
      'stats',
      'statusCallback',
      'subscriberLookup',
      'tips',
      'unsubscribe',
    ].sort(),
  );
});
