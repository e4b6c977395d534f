/**
 * `npm run test:django`: the Django portal side. First the app's own Python tests
 * (`manage.py test aamcare_messaging` in integrations/django/example), then the end-to-end
 * suite (test/django, jest.django.config.js) against twilio-run and the sandbox.
 * `--explain` only prints the one line `npm test` shows about it.
 *
 * Python: PYTHON, else /usr/bin/python3 (Debian's, where python3-django,
 * python3-djangorestframework and python3-twilio install), else python3 on the PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineCli, parseCli } from './cli';

const CLI = defineCli({
  usage: 'npm run test:django [-- --explain]',
  summary: "Runs the Django app's Python tests, then the end-to-end suite against a real Django portal.",
  options: { explain: { type: 'boolean', description: 'only say whether the suite can run here, in one line' } },
  env: { PYTHON: 'the Python with Django, DRF and twilio (default /usr/bin/python3)' },
});

const root = join(__dirname, '..');
const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const PACKAGES = 'python3-django python3-djangorestframework python3-twilio';

function missingModules(): string[] {
  return ['django', 'rest_framework', 'twilio', 'requests'].filter(
    (module) => spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status !== 0,
  );
}

function main(): number {
  const { values } = parseCli(CLI);
  const missing = missingModules();
  if (values.explain) {
    console.log(
      missing.length === 0
        ? 'test/django (a real Django portal end to end) is not part of npm test: run `npm run test:django` (Django, DRF and twilio found for ' +
            python +
            ')'
        : `test/django (a real Django portal end to end) is not run by npm test, and cannot run here: ${python} lacks ${missing.join(', ')} (apt-get install ${PACKAGES})`,
    );
    return 0;
  }
  if (missing.length > 0) {
    console.error(`${python} lacks ${missing.join(', ')}: apt-get install ${PACKAGES} (or set PYTHON)`);
    return 1;
  }
  const env = { ...process.env, PYTHON: python, PYTHONDONTWRITEBYTECODE: '1' };
  const unit = spawnSync(python, ['manage.py', 'test', 'aamcare_messaging', '-v', '1'], {
    cwd: join(root, 'integrations', 'django', 'example'),
    stdio: 'inherit',
    env: { ...env, EXAMPLE_DB: join(root, 'integrations', 'django', 'example', 'test-unused.sqlite3') },
  });
  if (unit.status !== 0) return unit.status ?? 1;
  const e2e = spawnSync(join(root, 'node_modules', '.bin', 'jest'), ['--ci', '--config', 'jest.django.config.js'], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  return e2e.status ?? 1;
}

process.exit(main());
