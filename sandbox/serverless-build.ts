/**
 * The emulated Serverless build: what Twilio's packager does with a Build's uploaded versions.
 * Twilio documents a build as "packaging" the Function and Asset Versions with the declared
 * Dependencies, then "a health check on the uploaded package" before the status becomes
 * `completed` (any failed step: `failed`; an npm failure is Twilio error 82003, "Deployment
 * Installation Failure"). Here:
 *   1. a fresh temp folder gets a package.json with exactly the uploaded dependencies and every
 *      version's content at its path, its visibility in the file name (x.protected.js,
 *      tips.private.json) as twilio-run reads it;
 *   2. `npm install` installs those dependencies from the registry (npm's own cache makes a
 *      repeat fast: --prefer-offline);
 *   3. the health check loads every function in a separate Node process started in that folder
 *      (so only the folder's node_modules resolve) and requires an exported `handler`.
 * Twilio does not document what its health check runs; loading each function is the least it
 * can mean, and it is what catches a require of a package missing from `dependencies`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, posix } from 'node:path';

export type Visibility = 'public' | 'protected' | 'private';

export interface UploadedFile {
  path: string;
  visibility: Visibility;
  content: Buffer;
}

export interface Dependency {
  name: string;
  version: string;
}

export interface BuildInput {
  functions: UploadedFile[];
  assets: UploadedFile[];
  dependencies: Dependency[];
}

export type BuildStep = 'install' | 'health check';

export type BuildOutcome = { ok: true; dir: string } | { ok: false; dir: string; step: BuildStep; detail: string };

/** How long npm may take before the build fails (Twilio's own build gives up after minutes too). */
const INSTALL_TIMEOUT_MS = 5 * 60_000;
const HEALTH_CHECK_TIMEOUT_MS = 60_000;

/**
 * A version's path as a relative file path, or undefined when it would leave its folder.
 * Paths start with "/" (Twilio's rule for Function and Asset Version paths).
 */
export function safeRelativePath(path: string): string | undefined {
  if (!path.startsWith('/') || path.includes('\\') || path.includes('\0')) return undefined;
  const segments = path.slice(1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return posix.join(...segments);
}

/** "/incoming" protected -> "incoming.protected.js"; "/tips.json" private -> "tips.private.json". */
export function fileNameFor(kind: 'function' | 'asset', file: UploadedFile): string {
  const relative = safeRelativePath(file.path);
  if (relative === undefined) throw new Error(`unsafe path ${JSON.stringify(file.path)}`);
  const suffix = file.visibility === 'public' ? '' : `.${file.visibility}`;
  if (kind === 'function') return `${relative}${suffix}.js`;
  const ext = extname(relative);
  return ext ? `${relative.slice(0, -ext.length)}${suffix}${ext}` : `${relative}${suffix}`;
}

/**
 * The environment npm runs with: the caller's, minus what an enclosing `npm test` run sets for
 * its own package (npm_package_*, npm_lifecycle_*, its prefix), which would point npm at the
 * project instead of the build folder. npm's user config (cache, registry, proxy) is kept.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const lower = key.toLowerCase();
    if (
      lower.startsWith('npm_') &&
      !/^npm_config_(cache|registry|userconfig|proxy|https_proxy|noproxy|cafile|strict_ssl)$/.test(lower)
    )
      continue;
    if (key === 'INIT_CWD' || key === 'NODE_PATH' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}

function run(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number },
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ ok: !error, stdout, stderr: stderr || (error ? error.message : '') }),
    );
  });
}

/** The last lines npm printed as errors: enough to name the package and the reason. */
function npmFailure(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/A complete log of this run|^npm error\s*$/.test(l));
  return lines.slice(0, 6).join('\n') || 'npm install failed';
}

/**
 * Loads each function file in a child process whose only node_modules is the build's. Prints
 * one JSON line: the failures, each "<file>: <first line of the error>".
 */
const HEALTH_CHECK = `
const failures = [];
for (const file of JSON.parse(process.argv[1])) {
  try {
    const mod = require(require('node:path').resolve(file));
    if (typeof mod.handler !== 'function') failures.push(file + ': exports no handler function');
  } catch (error) {
    failures.push(file + ': ' + String(error && error.message ? error.message : error).split('\\n')[0]);
  }
}
process.stdout.write(JSON.stringify(failures));
process.exit(0);
`;

export async function buildPackage(input: BuildInput): Promise<BuildOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'aamcare-serverless-build-'));
  const write = (relative: string, content: Buffer | string) => {
    const target = join(dir, relative);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  };
  write(
    'package.json',
    JSON.stringify(
      {
        name: 'twilio-serverless-build',
        private: true,
        dependencies: Object.fromEntries(input.dependencies.map((d) => [d.name, d.version])),
      },
      null,
      2,
    ),
  );
  const functionFiles = input.functions.map((f) => join('functions', fileNameFor('function', f)));
  input.functions.forEach((f, i) => write(functionFiles[i]!, f.content));
  for (const asset of input.assets) write(join('assets', fileNameFor('asset', asset)), asset.content);

  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = await run(
    npm,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--no-update-notifier',
      '--omit=dev',
      '--no-package-lock',
      '--loglevel=error',
    ],
    { cwd: dir, env: npmEnv(), timeout: INSTALL_TIMEOUT_MS },
  );
  if (!install.ok) return { ok: false, dir, step: 'install', detail: npmFailure(install.stderr) };

  const check = await run(process.execPath, ['-e', HEALTH_CHECK, JSON.stringify(functionFiles)], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir },
    timeout: HEALTH_CHECK_TIMEOUT_MS,
  });
  let failures: string[];
  try {
    failures = JSON.parse(check.stdout) as string[];
  } catch {
    failures = [`the health check did not finish: ${check.stderr.split('\n')[0] ?? ''}`];
  }
  if (failures.length > 0) return { ok: false, dir, step: 'health check', detail: failures.join('\n') };
  return { ok: true, dir };
}
