import { intSetting, missingSettings, setting, SETTINGS } from '../../src/core/settings';

const hex32 = 'abcdef0123456789ABCDEF0123456789';

/** [setting, values accepted, values refused as malformed]: what /health and the route guards enforce. */
const FORMATS: Array<[string, string[], string[]]> = [
  [
    'ACCOUNT_SID',
    ['AC' + hex32],
    ['AC' + hex32.slice(1), 'AC' + hex32 + '0', 'SK' + hex32, 'AC' + 'g'.repeat(32), 'xAC' + hex32],
  ],
  ['AUTH_TOKEN', ['t'.repeat(32)], ['t'.repeat(31), 't'.repeat(33)]],
  ['TWILIO_API_KEY', ['SK' + hex32], ['AC' + hex32]],
  ['TWILIO_API_SECRET', ['s'.repeat(32)], ['s'.repeat(31), 's'.repeat(33)]],
  ['MESSAGING_SERVICE_SID', ['MG' + hex32], ['MG123', 'IS' + hex32]],
  ['SYNC_SERVICE_SID', ['IS' + hex32], ['MG' + hex32]],
  ['SYNC_SHARDS', ['1', '9', '10', '42', '59', '60', '64'], ['0', '65', '70', '100', '01', '-1', 'four']],
  ['PORTAL_WEBHOOK_SECRET', ['w'.repeat(32), 'w'.repeat(80)], ['w'.repeat(31)]],
  ['ADMIN_TOKEN', ['a'.repeat(32), 'a'.repeat(64)], ['a'.repeat(31)]],
  ['DEFAULT_COUNTRY', ['NP', 'US'], ['np', 'NPL', 'N', 'xNP', 'NPx']],
  ['ALLOWED_COUNTRIES', ['NP', 'NP,US', 'NP,US,IN'], ['NP,', 'np', 'NP;US', 'NP,USA', 'xNP']],
  ['DEFAULT_CHANNEL', ['sms', 'whatsapp'], ['SMS', 'voice', 'smsx', 'xsms']],
  ['LOOKUP_MODE', ['off', 'basic', 'line_type'], ['on', 'xoff', 'basicx']],
  ['WELCOME_CONTENT_SID', ['HX' + hex32], ['HX1']],
  ['TIP_CONTENT_SID', ['HX' + hex32], ['MG' + hex32]],
  ['SUPPORT_CONTENT_SID', ['HX' + hex32], ['MG' + hex32]],
  ['WELCOME_COOLDOWN_SECONDS', ['0', '60', '3600'], ['-1', '1.5', 'x60', '60x']],
  ['WELCOME_RATE_PER_MINUTE', ['600'], ['many', '6 00']],
  ['SENDER_MPS', ['1', '10', '100'], ['0', '1.5', 'x']],
  ['TIP_VALIDITY_MINUTES', ['1', '240', '600'], ['0', '601', '1000', 'x']],
  ['UNREACHABLE_SUPPRESS_AFTER', ['3'], ['three']],
  [
    'SMS_PRICE_PER_SEGMENT',
    ['NP=0.1055', 'NP=0.1055,US=0.0083', '*=0.05', 'NP=1,*=0.5'],
    ['NP', 'np=0.1', 'NP=', 'NP=0.1,', 'NP=.1', 'NP=-1', 'NPL=0.1', 'NP:0.1'],
  ],
  ['WHATSAPP_PRICE_PER_MESSAGE', ['NP=0.0064,*=0.01'], ['0.01', 'whatsapp=0.01']],
  ['PRICE_CURRENCY', ['USD', 'NPR'], ['usd', 'US', 'USDX', '$']],
  ['EXTRA_KEYWORDS', ['stop:band', 'stop:band;start:suru'], ['band', 'stop:', 'halt:x']],
  ['TWO_WAY_SMS_COUNTRIES', ['US', 'US,CA'], ['us', 'USA', 'US,']],
  ['UNSUBSCRIBE_LINK_SECRET', ['x'.repeat(32)], ['short']],
  ['SHORTEN_URLS', ['true', 'false'], ['yes']],
  ['SMS_ADVANCED_OPT_OUT', ['true', 'false'], ['yes', 'TRUE', 'truex', 'xfalse']],
  [
    'PORTAL_API_URL',
    ['https://portal.example/api/users/', 'http://127.0.0.1:8000/api'],
    ['ftp://x', 'https://', 'portal.example', 'https://a b'],
  ],
  ['PORTAL_AUTH_SCHEME', ['Token', 'Bearer'], ['Basic', 'token', 'Tokens', 'xBearer']],
  ['PORTAL_ID_FIELD', ['id', 'pk', 'profile.id'], ['1id', 'a b', 'a.', '.a', 'a..b', 'a-b']],
  ['PORTAL_PHONE_FIELD', ['phone', 'phone_number', 'profile.mobile'], ['phone number', 'x/y']],
  ['PORTAL_NAME_FIELD', ['name', 'full_name', 'profile.display_name'], ['full name']],
  ['PORTAL_LANGUAGE_FIELD', ['language', 'preferred_language'], ['lang-code']],
  ['PORTAL_CHANNEL_FIELD', ['channel', 'messaging.channel'], ['chan nel']],
  ['PORTAL_TIMEZONE_FIELD', ['timezone', 'tz'], ['time zone']],
  ['PORTAL_EDD_FIELD', ['edd', 'pregnancy.edd'], ['due date']],
  ['PORTAL_BABY_DOB_FIELD', ['baby_dob', 'child.dob'], ['baby dob']],
  ['BATCH_CONCURRENCY', ['8'], ['eight']],
  ['BUDGET_MS', ['8000'], ['8s']],
  ['BATCH_SLICE_MAX_USERS', ['1', '250'], ['0', '025', 'x']],
  ['TIPS_SLICE_MAX_PAGES', ['1', '40'], ['0', '040', 'x']],
  ['TIPS_ON_REGISTER', ['true', 'false'], ['no']],
  [
    'TIPS_LOCAL_TIME',
    ['07:00', '00:00', '19:59', '23:59', '20:30'],
    ['7:00', '24:00', '07:60', '07:0', '07-00', 'x07:00', '07:00x'],
  ],
  ['PUBLIC_BASE_URL', ['https://aamcare-1234.twil.io'], ['aamcare.twil.io']],
  ['TWILIO_API_BASE_URL', ['http://127.0.0.1:3001'], ['127.0.0.1:3001']],
];

describe('setting formats', () => {
  test.each(FORMATS)('%s', (name, good, bad) => {
    for (const value of good) expect([value, missingSettings({ [name]: value }, [name])]).toEqual([value, []]);
    for (const value of bad) expect([value, missingSettings({ [name]: value }, [name])]).toEqual([value, [name]]);
  });

  test('every setting with a format is in the table above', () => {
    const checked = new Set(FORMATS.map(([name]) => name));
    expect(SETTINGS.filter((s) => s.pattern).map((s) => s.name)).toEqual(
      SETTINGS.filter((s) => checked.has(s.name)).map((s) => s.name),
    );
  });
});

describe('defaults', () => {
  test.each([
    ['SYNC_SHARDS', '4'],
    ['DEFAULT_COUNTRY', 'NP'],
    ['ALLOWED_COUNTRIES', 'NP,US'],
    ['DEFAULT_CHANNEL', 'sms'],
    ['LOOKUP_MODE', 'basic'],
    ['WELCOME_COOLDOWN_SECONDS', '60'],
    ['SENDER_MPS', '10'],
    ['TIP_VALIDITY_MINUTES', '240'],
    ['TWO_WAY_SMS_COUNTRIES', 'US,CA'],
    ['SHORTEN_URLS', 'false'],
    ['UNREACHABLE_SUPPRESS_AFTER', '3'],
    ['PRICE_CURRENCY', 'USD'],
    ['SMS_ADVANCED_OPT_OUT', 'true'],
    ['PORTAL_AUTH_SCHEME', 'Token'],
    ['PORTAL_ID_FIELD', 'id'],
    ['PORTAL_PHONE_FIELD', 'phone'],
    ['PORTAL_NAME_FIELD', 'name'],
    ['PORTAL_LANGUAGE_FIELD', 'language'],
    ['BATCH_CONCURRENCY', '8'],
    ['BUDGET_MS', '8000'],
    ['TIMEZONE', 'Asia/Kathmandu'],
    ['TIPS_ON_REGISTER', 'true'],
    ['TIPS_LOCAL_TIME', '07:00'],
  ])('%s defaults to %s, and a default is never missing', (name, value) => {
    expect(setting({}, name)).toBe(value);
    expect(missingSettings({}, [name])).toEqual([]);
  });

  test('the default WhatsApp join instruction tells the user what to send', () => {
    expect(setting({}, 'WHATSAPP_JOIN_INSTRUCTION')).toMatch(/^Send "join .+" on WhatsApp/);
  });

  test('required settings have no default', () => {
    for (const name of ['ACCOUNT_SID', 'AUTH_TOKEN', 'ADMIN_TOKEN', 'PORTAL_WEBHOOK_SECRET', 'PORTAL_API_TOKEN']) {
      expect(setting({}, name)).toBeUndefined();
      expect(missingSettings({}, [name])).toEqual([name]);
    }
  });
});

describe('reading values', () => {
  test('values are trimmed; blank is unset and falls back to the default', () => {
    expect(setting({ DEFAULT_COUNTRY: ' US ' }, 'DEFAULT_COUNTRY')).toBe('US');
    expect(setting({ DEFAULT_COUNTRY: '   ' }, 'DEFAULT_COUNTRY')).toBe('NP');
    expect(setting({ DEFAULT_COUNTRY: '' }, 'DEFAULT_COUNTRY')).toBe('NP');
    expect(setting({}, 'NOT_A_SETTING')).toBeUndefined();
    expect(missingSettings({ ADMIN_TOKEN: ` ${'a'.repeat(32)} ` }, ['ADMIN_TOKEN'])).toEqual([]);
  });

  test('a setting with no format only has to be present', () => {
    expect(missingSettings({ PORTAL_API_TOKEN: 'x' }, ['PORTAL_API_TOKEN'])).toEqual([]);
  });

  test('intSetting reads a number or its default, and refuses anything else loudly', () => {
    expect(intSetting({ SYNC_SHARDS: '8' }, 'SYNC_SHARDS')).toBe(8);
    expect(intSetting({}, 'SYNC_SHARDS')).toBe(4);
    expect(() => intSetting({ SYNC_SHARDS: 'many' }, 'SYNC_SHARDS')).toThrow('setting SYNC_SHARDS is not a number');
    expect(() => intSetting({}, 'ADMIN_TOKEN')).toThrow('setting ADMIN_TOKEN is not a number');
  });

  test('secrets are marked so nothing echoes them; only the sandbox base is local-only', () => {
    expect(
      SETTINGS.filter((s) => s.secret)
        .map((s) => s.name)
        .sort(),
    ).toEqual(
      [
        'ADMIN_TOKEN',
        'AUTH_TOKEN',
        'PORTAL_API_TOKEN',
        'PORTAL_WEBHOOK_SECRET',
        'TWILIO_API_SECRET',
        'UNSUBSCRIBE_LINK_SECRET',
      ].sort(),
    );
    expect(SETTINGS.filter((s) => s.localOnly).map((s) => s.name)).toEqual(['TWILIO_API_BASE_URL']);
  });
});
