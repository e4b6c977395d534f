import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvExample } from '../../scripts/env-example';
import { SETTINGS, missingSettings, setting } from '../../src/core/settings';

test('.env.example documents every setting the code reads (regenerate with npm run env-example)', () => {
  const committed = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
  expect(committed).toBe(renderEnvExample());
  for (const s of SETTINGS) expect(committed).toMatch(new RegExp(`^${s.name}=`, 'm'));
});

test('missingSettings names unset and malformed settings, defaults count as set', () => {
  const env = { ACCOUNT_SID: 'AC123', MESSAGING_SERVICE_SID: 'MG' + 'a'.repeat(32), ADMIN_TOKEN: '  ' };
  expect(missingSettings(env, ['ACCOUNT_SID', 'MESSAGING_SERVICE_SID', 'ADMIN_TOKEN', 'DEFAULT_COUNTRY'])).toEqual([
    'ACCOUNT_SID',
    'ADMIN_TOKEN',
  ]);
  expect(setting(env, 'DEFAULT_COUNTRY')).toBe('NP');
});
