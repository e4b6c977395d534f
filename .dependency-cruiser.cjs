/**
 * Layer rules (README "Architecture"). `npm run lint:layers` fails on any violation.
 * Type-only imports are allowed across layers: ports are interfaces, and types vanish at build.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/core is pure TypeScript: it imports only itself and pure npm libraries, never I/O.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: {
        pathNot: ['^src/core/', '^node_modules/libphonenumber-js/', '^(node:)?crypto$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'core-no-io-builtins',
      comment: 'src/core never touches the network, the file system or processes.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^(node:)?(http|https|net|tls|dgram|dns|fs|fs/promises|child_process|cluster|worker_threads)$' },
    },
    {
      name: 'app-uses-ports-not-adapters',
      comment: 'src/app sees adapters only through interfaces: type imports from src/twilio or src/runtime only.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(twilio|runtime)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'functions-not-adapters',
      comment: 'Routes get adapters from src/runtime/services.ts, never from src/twilio directly.',
      severity: 'error',
      from: { path: '^src/functions/' },
      to: { path: '^src/twilio/' },
    },
    {
      name: 'src-not-sandbox-or-tests',
      comment: 'Production code never imports the offline sandbox or the tests.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(sandbox|test|bench)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
