/** The route paths `npm run build` produced (dist/functions), as Twilio names them: `.protected` dropped. */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export function builtRoutePaths(root: string): string[] {
  const dir = join(root, 'dist', 'functions');
  const walk = (folder: string): string[] =>
    readdirSync(folder).flatMap((name) => {
      const path = join(folder, name);
      return statSync(path).isDirectory() ? walk(path) : name.endsWith('.js') ? [path] : [];
    });
  return walk(dir)
    .map(
      (file) =>
        '/' +
        relative(dir, file)
          .replace(/\.js$/, '')
          .replace(/\.protected$/, ''),
    )
    .sort();
}
