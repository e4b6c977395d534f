/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The Django end-to-end suite needs Python: `npm run test:django` (jest.django.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/django/'],
  // Stryker's sandbox copies of the project (npm run test:mutation) are not ours to load.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp/'],
  testTimeout: 60000,
  // Integration tests each start processes on free ports; two workers keep a 2-core CI machine responsive.
  maxWorkers: 2,
  verbose: false,
};
