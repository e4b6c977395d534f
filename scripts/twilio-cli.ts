/**
 * The project's own Twilio CLI with the serverless plugin, both installed by `npm ci` (dev
 * dependencies), so `twilio serverless:start` works without a global install:
 * `npm run twilio -- serverless:start --env .dev/.env`. The plugin is linked into a data
 * directory under .dev/ (TWILIO_DATA_DIR), leaving a global Twilio CLI's plugins untouched.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..');

export interface TwilioCliCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Prepares the plugin link and returns how to run `twilio <args>` with the project's CLI. */
export function twilioCli(args: string[], dataDir = join(root, '.dev', 'twilio-cli')): TwilioCliCommand {
  // Both packages export only entry points; their roots sit above the resolved files.
  const cliBin = join(dirname(require.resolve('twilio-cli/package.json')), 'bin', 'run');
  const pluginRoot = dirname(require.resolve('@twilio-labs/plugin-serverless/package.json'));
  mkdirSync(dataDir, { recursive: true });
  // oclif reads user plugins from <data dir>/package.json; a "link" entry loads the plugin in place.
  writeFileSync(
    join(dataDir, 'package.json'),
    JSON.stringify(
      {
        private: true,
        oclif: { schema: 1, plugins: [{ name: '@twilio-labs/plugin-serverless', type: 'link', root: pluginRoot }] },
      },
      null,
      2,
    ) + '\n',
  );
  // The same guard as `npm run dev` (scripts/twilio-run-guard.cjs): 127.0.0.1 unless DEV_HOST, JSON body errors.
  const guard = `--require ${join(__dirname, 'twilio-run-guard.cjs')}`;
  const nodeOptions = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ${guard}` : guard;
  return {
    command: process.execPath,
    args: [cliBin, ...args],
    env: { TWILIO_DATA_DIR: dataDir, NODE_OPTIONS: nodeOptions, DEV_HOST: process.env.DEV_HOST || '127.0.0.1' },
  };
}

if (require.main === module) {
  const { command, args, env } = twilioCli(process.argv.slice(2));
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  process.exit(result.status ?? 1);
}
