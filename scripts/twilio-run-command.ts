/**
 * How the project starts the local twilio-run: Node with the guard preloaded
 * (twilio-run-guard.cjs: 127.0.0.1 unless DEV_HOST says otherwise, JSON body errors without
 * stack traces, query strings kept out of the access log), then twilio-run's own CLI.
 */
import { join } from 'node:path';

export function twilioRunCommand(root: string, args: readonly string[]): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [
      '--require',
      join(root, 'scripts', 'twilio-run-guard.cjs'),
      join(root, 'node_modules', 'twilio-run', 'bin', 'twilio-run.js'),
      ...args,
    ],
  };
}

/** `twilio-run start` serving the built functions (dist/) with an env file on a port, guard preloaded. */
export function serveBuiltFunctions(
  root: string,
  envFile: string,
  port: number,
  extraArgs: readonly string[] = [],
): { command: string; args: string[] } {
  return twilioRunCommand(root, [
    'start',
    '--functions-folder',
    'dist/functions',
    '--assets-folder',
    'dist/assets',
    '--env',
    envFile,
    '--port',
    String(port),
    ...extraArgs,
  ]);
}
