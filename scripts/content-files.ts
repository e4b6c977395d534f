/**
 * Where the content lives and how scripts read, print and write it: the tips (a private asset
 * the functions read at run time), the service messages and the glossary (bundled into the
 * functions). docs/content.md is the editors' guide.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ContentFiles, Finding } from '../src/core/content-check';

const root = join(__dirname, '..');

export const CONTENT_PATHS = {
  tips: join(root, 'src', 'assets', 'tips.private.json'),
  programmes: join(root, 'src', 'assets', 'programmes.private.json'),
  messages: join(root, 'src', 'core', 'content', 'messages.json'),
  glossary: join(root, 'src', 'core', 'content', 'glossary.json'),
} as const;

export type ContentPaths = Record<keyof typeof CONTENT_PATHS, string>;

/** The four files, parsed as JSON (a syntax error names the file). */
export function readContent(paths: ContentPaths = CONTENT_PATHS): ContentFiles {
  const read = (path: string): unknown => {
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${relative(process.cwd(), path)}: ${(error as Error).message}`);
    }
  };
  return {
    tips: read(paths.tips),
    messages: read(paths.messages),
    glossary: read(paths.glossary),
    programmes: read(paths.programmes),
  };
}

/** Writes JSON the way Prettier formats it (npm run lint checks the formatting). */
export async function writeJson(path: string, value: unknown): Promise<void> {
  // Loaded only when writing: Prettier's entry point cannot load inside jest's module sandbox.
  const { format, resolveConfig } = await import('prettier');
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(JSON.stringify(value, null, 2), { ...options, filepath: path }));
}

/** One line per finding, errors first: `error  tip t03 (ne)  sms-budget  4 segments ...`. */
export function formatFindings(findings: readonly Finding[], options: { warnings: boolean }): string[] {
  const shown = findings
    .filter((finding) => options.warnings || finding.severity === 'error')
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return shown.map((f) => `${f.severity.padEnd(7)} ${f.where}  [${f.rule}]  ${f.message}`);
}
