/**
 * Build for Twilio Functions: every route under src/functions becomes ONE self-contained
 * CommonJS file under dist/functions (our code bundled, npm packages left as require()s,
 * visibility suffixes kept), and src/assets is copied to dist/assets. Content that fails
 * `npm run content:check` stops the build.
 * Twilio uploads each function alone, so nothing may require a sibling file.
 */
import { execSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  watch as watchFiles,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { checkContent } from '../src/core/content-check';
import { defineCli, parseCli } from './cli';
import { formatFindings, readContent } from './content-files';

const root = join(__dirname, '..');
const functionsDir = join(root, 'src', 'functions');
const assetsDir = join(root, 'src', 'assets');
const defaultOutDir = join(root, 'dist');

/**
 * Browser libraries the dashboard loads from the service's own assets (never a CDN), copied
 * from their npm packages: Chart.js's UMD build (its package exports only the module builds,
 * so the file is found beside the CommonJS entry).
 */
export const VENDOR_ASSETS: ReadonlyArray<{ file: () => string; to: string }> = [
  {
    file: () => join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
    to: join('admin', 'vendor', 'chart.umd.min.js'),
  },
];

function copyVendorAssets(assetsOut: string): void {
  for (const asset of VENDOR_ASSETS) {
    const target = join(assetsOut, asset.to);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(asset.file(), target);
  }
}

function listRoutes(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return listRoutes(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function buildVersion(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    // not a git checkout (e.g. an unpacked release): the package version still identifies it
  }
  return `${pkg.version}+${commit}`;
}

/** Content that fails a content rule never ships: the build (and so dev and deploy) stops on it. */
function checkContentOrThrow(): void {
  const result = checkContent(readContent());
  if (result.errors > 0)
    throw new Error(
      `content check failed (npm run content:check):\n${formatFindings(result.findings, { warnings: false }).join('\n')}`,
    );
}

/** Builds into `outDir` (default dist/); tests build elsewhere so they never race a running twilio-run. */
export async function buildAll(outDir = defaultOutDir): Promise<string[]> {
  checkContentOrThrow();
  rmSync(outDir, { recursive: true, force: true });
  const routes = listRoutes(functionsDir);
  const version = buildVersion();
  await Promise.all(
    routes.map((entry) =>
      build({
        entryPoints: [entry],
        outfile: join(outDir, 'functions', relative(functionsDir, entry).replace(/\.ts$/, '.js')),
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        packages: 'external',
        sourcemap: false,
        legalComments: 'none',
        define: { __BUILD_VERSION__: JSON.stringify(version) },
        logLevel: 'warning',
      }),
    ),
  );
  if (existsSync(assetsDir)) cpSync(assetsDir, join(outDir, 'assets'), { recursive: true });
  copyVendorAssets(join(outDir, 'assets'));
  return routes.map((r) => relative(functionsDir, r));
}

/** Rebuilds on every change under src/ (for `twilio serverless:start`, which serves dist/ as it is). */
function watch(): void {
  let timer: NodeJS.Timeout | undefined;
  const rebuild = () =>
    buildAll().then(
      (routes) => console.log(`${new Date().toLocaleTimeString()} rebuilt ${routes.length} function(s)`),
      (error: unknown) => console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  watchFiles(join(root, 'src'), { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild(), 100);
  });
  console.log('watching src/ (Ctrl-C stops)');
}

if (require.main === module) {
  const { values } = parseCli(
    defineCli({
      usage: 'npm run build [-- --watch]',
      summary: 'Bundles each src/functions route into one file under dist/functions and copies src/assets.',
      options: { watch: { type: 'boolean', description: 'build, then rebuild on every change under src/' } },
    }),
  );
  buildAll().then(
    (routes) => {
      console.log(`built ${routes.length} function(s) into dist/functions: ${routes.join(', ')}`);
      if (values.watch) watch();
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
