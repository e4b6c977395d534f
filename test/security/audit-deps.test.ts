/** Issue 14, probe 9: the dependency audit fails on unreviewed advisories and bad provenance, passes reviewed ones. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { offlineAudit, onlineFindings, productionPackages, type KnownAdvisory } from '../../scripts/audit-deps';

const lock = {
  packages: {
    '': {},
    'node_modules/qs': { version: '6.10.1', integrity: 'sha512-x' },
    'node_modules/express': { version: '4.22.3', integrity: 'sha512-y' },
    'node_modules/jest': { version: '30.0.0', integrity: 'sha512-z', dev: true },
  },
};
const advisory = (over: Partial<KnownAdvisory>): KnownAdvisory => ({
  id: 'GHSA-test-0000-0000',
  package: 'qs',
  vulnerable: '<6.10.3',
  severity: 'high',
  summary: 'prototype pollution',
  decision: 'fix',
  why: '',
  ...over,
});

test('production packages only (dev ones left out)', () => {
  expect([...productionPackages(lock).keys()].sort()).toEqual(['express', 'qs']);
});

test('a reviewed advisory to fix fails while installed; an accepted one is printed with its reason; a resolved one says so', () => {
  expect(offlineAudit(lock, [advisory({})]).map((f) => f.level)).toEqual(['fail']);
  expect(offlineAudit(lock, [advisory({ decision: 'accepted', why: 'only in the dev runtime' })])[0]).toMatchObject({
    level: 'accepted',
    text: expect.stringContaining('only in the dev runtime') as unknown,
  });
  expect(offlineAudit(lock, [advisory({ decision: 'accepted', why: ' ' })])[0]!.level).toBe('fail');
  expect(offlineAudit(lock, [advisory({ vulnerable: '<6.0.0' })])[0]!.level).toBe('resolved');
});

test('a git dependency, a missing integrity or an install script in production fails', () => {
  const bad = {
    packages: {
      'node_modules/a': { version: '1.0.0', resolved: 'git+ssh://git@example.com/a.git', integrity: 'sha512-a' },
      'node_modules/b': { version: '1.0.0' },
      'node_modules/c': { version: '1.0.0', integrity: 'sha512-c', hasInstallScript: true },
    },
  };
  expect(offlineAudit(bad, []).map((f) => f.text.split(' ')[0])).toEqual(['a@1.0.0', 'b@1.0.0', 'c@1.0.0']);
});

test('an advisory npm audit reports that is not reviewed fails; a reviewed one does not', () => {
  const report = {
    vulnerabilities: {
      qs: {
        name: 'qs',
        severity: 'high',
        range: '<6.10.3',
        via: [{ url: 'https://github.com/advisories/GHSA-test-0000-0000', title: 'pollution' }, 'express'],
      },
    },
  };
  expect(onlineFindings(report, []).map((f) => f.level)).toEqual(['fail']);
  expect(onlineFindings(report, [advisory({ decision: 'accepted', why: 'x' })]).map((f) => f.level)).toEqual(['note']);
});

test("the project's own lock file passes against its reviewed list", () => {
  const root = join(__dirname, '..', '..');
  const projectLock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const known = JSON.parse(readFileSync(join(root, 'security', 'known-advisories.json'), 'utf8')).advisories;
  expect(offlineAudit(projectLock, known).filter((f) => f.level === 'fail')).toEqual([]);
});
