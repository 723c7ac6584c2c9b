/** What every check of the verify suite is: a name, and a run that returns counts or throws. */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface Check {
  /** Short name, for `npm run verify -- <name>`. */
  readonly name: string;
  readonly description: string;
  /** Runs the check; returns the summary line's counts; throws with the findings on failure. */
  run(): Promise<string>;
}

export const REPO = path.resolve(__dirname, '..');

/** A command's output; throws with its stderr when it exits non-zero. */
export function exec(file: string, args: string[], options: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: options.cwd ?? REPO, env: options.env ?? process.env, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed:\n${stderr || stdout || error.message}`));
      else resolve(stdout);
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** Runs the project's TypeScript entry points as npm does. */
export function tsx(script: string, args: string[]): Promise<string> {
  return exec(process.execPath, ['--import', 'tsx', path.join(REPO, script), ...args]);
}

/** A temporary folder for the duration of `fn`. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function requireCommand(command: string, install: string): void {
  const found = (process.env.PATH ?? '').split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, command)));
  if (!found) throw new Error(`${command} is not installed: ${install}`);
}
