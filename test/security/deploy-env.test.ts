/** Issue 14, probe 6: `npm run deploy` uploads only settings the table names, and refuses URLs a deployed service cannot use. */
import { SETTINGS } from '../../src/core/settings';
import { deployedUrlProblem, deployEnv, planDeployEnv } from '../../src/ops/deploy-env';

const dotEnv = {
  ACCOUNT_SID: 'AC' + 'a'.repeat(32),
  AUTH_TOKEN: 'b'.repeat(32),
  TWILIO_API_BASE_URL: 'http://127.0.0.1:3001',
  MESSAGING_SERVICE_SID: 'MG' + 'c'.repeat(32),
  ADMIN_TOKEN: 'd'.repeat(40),
  DEFAULT_COUNTRY: 'NP',
  GITHUB_TOKEN: 'ghp_not_ours',
  NODE_ENV: 'development',
  DEBUG: 'twilio*',
  EMPTY_SETTING: '',
  SYNC_SHARDS: '',
};

test('only named settings go up; others are listed by name with the reason, never by value', () => {
  const plan = planDeployEnv(dotEnv);
  expect(Object.keys(plan.upload).sort()).toEqual(['ADMIN_TOKEN', 'DEFAULT_COUNTRY', 'MESSAGING_SERVICE_SID']);
  expect(plan.skipped).toEqual(
    expect.arrayContaining([
      { name: 'ACCOUNT_SID', why: 'provided_by_twilio' },
      { name: 'AUTH_TOKEN', why: 'provided_by_twilio' },
      { name: 'TWILIO_API_BASE_URL', why: 'local_only' },
      { name: 'GITHUB_TOKEN', why: 'not_a_setting' },
      { name: 'NODE_ENV', why: 'not_a_setting' },
      { name: 'DEBUG', why: 'not_a_setting' },
      { name: 'SYNC_SHARDS', why: 'blank' },
    ]),
  );
  expect(JSON.stringify(plan.skipped)).not.toContain('ghp_not_ours');
  expect(plan.problems).toEqual([]);
  expect(deployEnv(dotEnv)).toEqual(plan.upload);
  // Every uploaded name is a setting of the table.
  for (const name of Object.keys(plan.upload)) expect(SETTINGS.map((s) => s.name)).toContain(name);
});

test.each([
  ['http://localhost:3000', 'https://'],
  ['https://localhost:3000', 'local or private'],
  ['https://127.0.0.1', 'local or private'],
  ['https://[::1]/', 'local or private'],
  ['https://192.168.1.10', 'local or private'],
  ['https://10.0.0.5', 'local or private'],
  ['https://app.localhost', 'local or private'],
  ['not a url', 'not a URL'],
])('PUBLIC_BASE_URL=%s is refused (%s)', (value, why) => {
  expect(planDeployEnv({ ...dotEnv, PUBLIC_BASE_URL: value }).problems.join()).toContain(why);
  expect(planDeployEnv({ ...dotEnv, PORTAL_API_URL: value }).problems.join()).toContain('PORTAL_API_URL');
});

test('a public https URL is fine', () => {
  expect(deployedUrlProblem('PUBLIC_BASE_URL', 'https://aamcare-1234-dev.twil.io')).toBeUndefined();
  expect(planDeployEnv({ ...dotEnv, PUBLIC_BASE_URL: 'https://messaging.aamcare.org' }).problems).toEqual([]);
});
