/**
 * The Django end-to-end suite (test/django): a real Django portal against twilio-run and the
 * sandbox. Not part of `npm test` (it needs Debian's python3-django, python3-djangorestframework
 * and python3-twilio); `npm run test:django` runs it (scripts/test-django.ts).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  testMatch: ['<rootDir>/test/django/**/*.test.ts'],
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  // One suite, one worker: it starts two twilio-run processes and two Django servers itself.
  maxWorkers: 1,
  testTimeout: 20 * 60_000,
  verbose: true,
};
