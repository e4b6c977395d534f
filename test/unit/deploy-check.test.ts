import { packageOf, undeclaredPackages } from '../../src/ops/deploy-check';
import { rewriteRequestUrl } from '../../src/ops/serverless-client';

describe('packageOf: the npm package a require() names', () => {
  test.each([
    ['twilio', 'twilio'],
    ['libphonenumber-js/max', 'libphonenumber-js'],
    ['@twilio/runtime-handler', '@twilio/runtime-handler'],
    ['@twilio/runtime-handler/dev', '@twilio/runtime-handler'],
    ['./sibling', undefined],
    ['../up', undefined],
    ['/abs/path', undefined],
    ['crypto', undefined],
    ['node:crypto', undefined],
    ['fs/promises', undefined],
  ])('%s -> %s', (specifier, expected) => expect(packageOf(specifier)).toBe(expected));
});

describe('undeclaredPackages', () => {
  const deps = { twilio: '^6.2.0', 'libphonenumber-js': '^1.13.16' };
  const file = (name: string, code: string) => ({ name, code });

  test('declared packages, built-ins and relative paths pass', () => {
    const code = `var a = require("twilio"); var b = require('libphonenumber-js/max'); require("node:crypto"); require("./x");`;
    expect(undeclaredPackages([file('functions/register.js', code)], deps)).toEqual([]);
  });

  test('each undeclared package is named once, with every file that requires it, sorted', () => {
    const files = [
      file('functions/b.js', 'require("p-limit"); require("zod")'),
      file('functions/a.js', 'const l = require( "p-limit" )'),
    ];
    expect(undeclaredPackages(files, deps)).toEqual([
      { name: 'p-limit', requiredBy: ['functions/a.js', 'functions/b.js'] },
      { name: 'zod', requiredBy: ['functions/b.js'] },
    ]);
  });
});

describe('rewriteRequestUrl: the Serverless client aimed at a local stand-in', () => {
  test('API and upload hosts go to <base>/<product>/..., the basic-auth credentials stay', () => {
    const api = new URL('https://serverless.twilio.com/v1/Services?PageSize=50');
    api.username = 'AC123';
    api.password = 'secret';
    const out = rewriteRequestUrl(api, 'http://127.0.0.1:3001/');
    expect(out.origin + out.pathname + out.search).toBe('http://127.0.0.1:3001/serverless/v1/Services?PageSize=50');
    expect([out.username, out.password]).toEqual(['AC123', 'secret']);
    const upload = rewriteRequestUrl(
      new URL('https://serverless-upload.twilio.com/v1/Services/ZS1/Functions/ZH1/Versions'),
      'http://127.0.0.1:3001',
    );
    expect(upload.href).toBe('http://127.0.0.1:3001/serverless-upload/v1/Services/ZS1/Functions/ZH1/Versions');
  });

  test('an edge or region host keeps its product; a non-Twilio URL is left alone', () => {
    expect(rewriteRequestUrl(new URL('https://serverless.sydney.au1.twilio.com/v1/Services'), 'http://h:1').href).toBe(
      'http://h:1/serverless/v1/Services',
    );
    expect(rewriteRequestUrl(new URL('https://example.com/v1'), 'http://h:1').href).toBe('https://example.com/v1');
  });
});
