/**
 * Finds and launches the Chromium the browser tests drive, without a download at test time:
 *   1. CHROME_PATH, when set (any Chrome/Chromium on any OS);
 *   2. the Chromium shipped inside the `@sparticuz/chromium` dev dependency (Linux x64): `npm ci`
 *      alone gives a fresh machine a browser, with the NSS libraries it needs from the same package;
 *   3. the usual system paths (Debian/Ubuntu, macOS).
 * With none of them it fails with one line that says how to get one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export const NO_BROWSER_MESSAGE =
  'No Chromium for the browser tests: run `npm ci` on Linux x64 (it ships one in @sparticuz/chromium) or set CHROME_PATH to a Chrome/Chromium executable.';

export interface FoundBrowser {
  executablePath: string;
  /** Where it came from, for the test log. */
  source: 'CHROME_PATH' | '@sparticuz/chromium' | 'system';
  /** Extra environment for the browser process (the bundled one's own libraries). */
  env: Record<string, string>;
}

/** The bundled Chromium's shared libraries (NSS, expat) are only unpacked by the package on Amazon Linux; do it here too. */
function unpackBundledLibraries(packageDir: string): string {
  const target = join(tmpdir(), 'aamcare-chromium-libs');
  const libDir = join(target, 'lib');
  if (!existsSync(join(libDir, 'libnss3.so'))) {
    mkdirSync(target, { recursive: true });
    const tar = brotliDecompressSync(readFileSync(join(packageDir, 'bin', 'al2023.tar.br')));
    execFileSync('tar', ['-x', '-C', target], { input: tar });
  }
  return libDir;
}

async function bundledChromium(): Promise<FoundBrowser | undefined> {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let packageDir: string;
  try {
    // The package exports only its entry points (build/cjs/index.cjs): its root is two levels up.
    packageDir = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  } catch {
    return undefined;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only where it can run
  const loaded = require('@sparticuz/chromium') as { default?: SparticuzChromium } & SparticuzChromium;
  const executablePath = await (loaded.default ?? loaded).executablePath();
  const libDir = unpackBundledLibraries(packageDir);
  const inherited = process.env.LD_LIBRARY_PATH;
  return {
    executablePath,
    source: '@sparticuz/chromium',
    env: { LD_LIBRARY_PATH: inherited ? `${libDir}:${inherited}` : libDir },
  };
}

interface SparticuzChromium {
  executablePath(): Promise<string>;
}

export async function findBrowser(): Promise<FoundBrowser> {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROME_PATH=${fromEnv} does not exist. ${NO_BROWSER_MESSAGE}`);
    return { executablePath: fromEnv, source: 'CHROME_PATH', env: {} };
  }
  const bundled = await bundledChromium();
  if (bundled) return bundled;
  const system = SYSTEM_PATHS.find((path) => existsSync(path));
  if (system) return { executablePath: system, source: 'system', env: {} };
  throw new Error(NO_BROWSER_MESSAGE);
}

export async function launchBrowser(): Promise<Browser> {
  const found = await findBrowser();
  return chromium.launch({
    executablePath: found.executablePath,
    env: { ...process.env, ...found.env },
    args: [
      '--headless=new',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
