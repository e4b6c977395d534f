/**
 * `npm run audit:deps` (CI): known vulnerabilities in the production dependency tree.
 *
 * 1. Online, when the registry answers npm's advisory endpoint: `npm audit --omit=dev`
 *    (the ordinary client). Every advisory it reports must be in
 *    security/known-advisories.json with a decision, else this fails.
 * 2. Always, offline, from package-lock.json: every reviewed advisory is matched against the
 *    installed versions (semver ranges): `fix` in range fails, `accepted` in range is printed
 *    with its reason, out of range is reported as resolved; and every production package
 *    comes from the npm registry with an sha512 integrity hash and runs no install script.
 *
 * Where the advisory endpoint cannot be reached (this workplace's registry mirror answers
 * 405), step 1 says so and only step 2 decides. AUDIT_REQUIRE_ONLINE=1 makes an unreachable
 * endpoint a failure (for a machine that should reach it).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { defineCli, parseCli } from './cli';

const root = join(__dirname, '..');

const CLI = defineCli({
  usage: 'npm run audit:deps',
  summary: 'Known vulnerabilities of the production dependencies: npm audit when reachable, and the reviewed list.',
  options: {},
  env: { AUDIT_REQUIRE_ONLINE: '1: fail when the advisory endpoint cannot be reached' },
  notes: ['exit status: 0 clean or every finding accepted, 1 a finding to fix or unreviewed'],
});

export interface KnownAdvisory {
  /** GHSA id (or CVE when there is none). */
  id: string;
  package: string;
  /** Vulnerable versions, a semver range. */
  vulnerable: string;
  severity: 'low' | 'moderate' | 'high' | 'critical';
  summary: string;
  decision: 'accepted' | 'fix';
  /** Why it is accepted: what of the package we run, and why the flaw does not reach us. */
  why: string;
}

interface LockPackage {
  version?: string;
  resolved?: string;
  integrity?: string;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  link?: boolean;
  hasInstallScript?: boolean;
}

/** name -> installed versions (with their lock paths) of the production tree. */
export function productionPackages(lock: { packages: Record<string, LockPackage> }) {
  const out = new Map<string, Array<{ version: string; path: string; entry: LockPackage }>>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || entry.devOptional || entry.link || !entry.version) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.set(name, [...(out.get(name) ?? []), { version: entry.version, path, entry }]);
  }
  return out;
}

export interface AuditFinding {
  level: 'fail' | 'accepted' | 'resolved' | 'note';
  text: string;
}

/** Step 2: the reviewed list and the provenance of each production package, against the lock file. */
export function offlineAudit(
  lock: { packages: Record<string, LockPackage> },
  known: readonly KnownAdvisory[],
): AuditFinding[] {
  const packages = productionPackages(lock);
  const findings: AuditFinding[] = [];
  for (const advisory of known) {
    const hits = (packages.get(advisory.package) ?? []).filter((p) =>
      semver.satisfies(p.version, advisory.vulnerable, { includePrerelease: true }),
    );
    if (hits.length === 0) {
      findings.push({
        level: 'resolved',
        text: `${advisory.id} ${advisory.package} ${advisory.vulnerable}: no installed version in range (remove the entry)`,
      });
      continue;
    }
    const where = hits.map((h) => `${h.version} at ${h.path}`).join(', ');
    if (advisory.decision === 'accepted' && advisory.why.trim() !== '')
      findings.push({ level: 'accepted', text: `${advisory.id} ${advisory.package} (${where}): ${advisory.why}` });
    else findings.push({ level: 'fail', text: `${advisory.id} ${advisory.package} (${where}): ${advisory.summary}` });
  }
  for (const [name, versions] of packages) {
    for (const { version, path, entry } of versions) {
      // The lock file leaves `resolved` out for registry packages; a git, file or tarball URL shows here.
      if (entry.resolved !== undefined && !entry.resolved.startsWith('https://registry.npmjs.org/'))
        findings.push({ level: 'fail', text: `${name}@${version} (${path}) is not from the npm registry` });
      if (!entry.integrity?.startsWith('sha512-'))
        findings.push({ level: 'fail', text: `${name}@${version} (${path}) has no sha512 integrity in the lock file` });
      if (entry.hasInstallScript)
        findings.push({ level: 'fail', text: `${name}@${version} (${path}) runs an install script in production` });
    }
  }
  return findings;
}

interface NpmAuditReport {
  vulnerabilities?: Record<
    string,
    { name: string; severity: string; range: string; via: Array<string | { url?: string; title?: string }> }
  >;
  error?: { summary?: string };
  message?: string;
}

/** Step 1's verdict on an `npm audit --json` report: advisories not reviewed fail. */
export function onlineFindings(report: NpmAuditReport, known: readonly KnownAdvisory[]): AuditFinding[] {
  const reviewed = new Set(known.map((k) => k.id));
  const findings: AuditFinding[] = [];
  for (const vuln of Object.values(report.vulnerabilities ?? {})) {
    for (const via of vuln.via) {
      if (typeof via === 'string') continue; // a path through another vulnerable package, reported there
      const id = /GHSA-[\w-]+/.exec(via.url ?? '')?.[0] ?? via.url ?? via.title ?? 'unknown';
      findings.push(
        reviewed.has(id)
          ? { level: 'note', text: `${id} ${vuln.name}: reviewed (security/known-advisories.json)` }
          : {
              level: 'fail',
              text: `${id} ${vuln.name} ${vuln.range} (${vuln.severity}): ${via.title ?? ''} - not reviewed`,
            },
      );
    }
  }
  return findings;
}

function main(): number {
  parseCli(CLI);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockPackage>;
  };
  const known = (
    JSON.parse(readFileSync(join(root, 'security', 'known-advisories.json'), 'utf8')) as {
      advisories: KnownAdvisory[];
    }
  ).advisories;
  const findings: AuditFinding[] = [];

  const audit = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  let report: NpmAuditReport | undefined;
  try {
    report = JSON.parse(audit.stdout) as NpmAuditReport;
  } catch {
    report = undefined;
  }
  if (report && report.vulnerabilities) {
    console.log(`npm audit (production): ${Object.keys(report.vulnerabilities).length} vulnerable package(s) reported`);
    findings.push(...onlineFindings(report, known));
  } else {
    const why = report?.message ?? report?.error?.summary ?? audit.stderr.split('\n').find(Boolean) ?? 'no answer';
    console.log(`npm audit: the advisory endpoint could not be used here (${why.trim()}); the reviewed list decides`);
    if (process.env.AUDIT_REQUIRE_ONLINE === '1')
      findings.push({ level: 'fail', text: 'AUDIT_REQUIRE_ONLINE=1 and the advisory endpoint is unreachable' });
  }

  findings.push(...offlineAudit(lock, known));
  const production = productionPackages(lock);
  console.log(`production tree: ${production.size} packages (package-lock.json), reviewed advisories: ${known.length}`);
  for (const f of findings) console.log(`${f.level.padEnd(8)} ${f.text}`);
  const failed = findings.filter((f) => f.level === 'fail').length;
  console.log(failed === 0 ? 'audit:deps: ok' : `audit:deps: ${failed} finding(s) to fix or review`);
  return failed === 0 ? 0 : 1;
}

if (require.main === module) process.exit(main());
