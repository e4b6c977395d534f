/**
 * Before uploading: every npm package a built function requires must be in package.json
 * "dependencies", the only packages Twilio's build installs. A function that requires a
 * devDependency works locally and in every test (node_modules has it), then fails deployed.
 * Pure: works on the built files' text.
 */
import { builtinModules } from 'node:module';

export interface BuiltFile {
  /** Shown in messages, e.g. "functions/register.js". */
  name: string;
  code: string;
}

export interface UndeclaredPackage {
  name: string;
  /** Built files that require it. */
  requiredBy: string[];
}

/** esbuild leaves npm packages as plain `require("<specifier>")` calls in the bundles. */
const REQUIRE = /\brequire\(\s*(["'])([^"']+)\1\s*\)/g;
const BUILTINS = new Set(builtinModules);

/** "libphonenumber-js/max" -> "libphonenumber-js", "@twilio/runtime-handler/dev" -> "@twilio/runtime-handler"; undefined for relative paths and Node built-ins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return BUILTINS.has(name) ? undefined : name;
}

/** Packages the built files require that `dependencies` does not declare, sorted by name. */
export function undeclaredPackages(files: BuiltFile[], dependencies: Record<string, string>): UndeclaredPackage[] {
  const missing = new Map<string, Set<string>>();
  for (const file of files) {
    for (const match of file.code.matchAll(REQUIRE)) {
      const name = packageOf(match[2]!);
      if (name === undefined || name in dependencies) continue;
      if (!missing.has(name)) missing.set(name, new Set());
      missing.get(name)!.add(file.name);
    }
  }
  return [...missing.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, requiredBy]) => ({ name, requiredBy: [...requiredBy].sort() }));
}
