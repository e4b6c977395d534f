/** Every relative link in the project's Markdown points at a file (and heading) that exists. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const SKIP = new Set(['node_modules', 'dist', '.git', '.stryker-tmp', 'reports', 'coverage', 'test-artifacts', '.dev']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (SKIP.has(name)) return [];
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const line of markdown.split('\n')) {
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    found.add(
      heading[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\s_-]/gu, '')
        .replace(/\s/g, '-'),
    );
  }
  return found;
}

function withoutCode(markdown: string): string {
  return markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
}

const files = markdownFiles(root);

test('the project has Markdown to check', () => {
  expect(files.map((f) => relative(root, f))).toContain('README.md');
});

test.each(files.map((f) => [relative(root, f)]))('%s has no dead relative links', (file) => {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const dead: string[] = [];
  for (const match of withoutCode(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
    const [file2, anchor] = target.split('#') as [string, string | undefined];
    const resolved = file2 === '' ? path : join(dirname(path), decodeURIComponent(file2));
    if (!existsSync(resolved)) {
      dead.push(`${target} (no such file)`);
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(anchor.toLowerCase()))
      dead.push(`${target} (no such heading)`);
  }
  expect(dead).toEqual([]);
});

test('the README stays short enough for a newcomer (1,200 words at most)', () => {
  const words = readFileSync(join(root, 'README.md'), 'utf8').split(/\s+/).filter(Boolean).length;
  expect(words).toBeLessThanOrEqual(1200);
});
