/** What every check of the verify suite is: a name, and a run that returns counts or throws. */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { toolCacheDir } from '../lib/tools';

export interface Check {
  /** Short name, for `npm run verify -- <name>`. */
  readonly name: string;
  readonly description: string;
  /** Runs the check; returns the summary line's counts; throws with the findings on failure. */
  run(): Promise<string>;
}

export const REPO = path.resolve(__dirname, '..');

/** How a command ended: its exit code and what it printed. */
export interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

type ExecOptions = { input?: string; cwd?: string; env?: NodeJS.ProcessEnv };

const failed = (file: string, args: string[], output: string) => `${path.basename(file)} ${args.join(' ')} failed:\n${output}`;

/** A command's exit code and output, whatever the code; throws only when it cannot run or is killed. */
export function run(file: string, args: string[], options: ExecOptions = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd ?? REPO, env: options.env ?? process.env, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(failed(file, args, stderr || stdout || error.message)));
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    if (options.input !== undefined) {
      child.stdin!.on('error', () => {}); // EPIPE when the command exits before reading it all: its exit status tells
      child.stdin!.end(options.input);
    }
  });
}

/** A command's output; throws with its stderr when it exits non-zero. */
export async function exec(file: string, args: string[], options: ExecOptions = {}): Promise<string> {
  const { code, stdout, stderr } = await run(file, args, options);
  if (code !== 0) throw new Error(failed(file, args, stderr || stdout || `exit code ${code}`));
  return stdout;
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

/** A throwaway self-signed key pair and certificate made by openssl, as a sealing controller's: { key, cert } paths in `dir`. */
export async function throwawayCertificate(dir: string): Promise<{ key: string; cert: string }> {
  requireCommand('openssl', 'apt-get install openssl');
  const key = path.join(dir, 'tls.key');
  const cert = path.join(dir, 'tls.crt');
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:4096',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    '/CN=sealed-secret/O=sealed-secret',
    '-days',
    '1',
  ]);
  return { key, cert };
}

/** A port nobody listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A pinned PyPI requirement ("checkov==3.3.30") in its own venv under the tool cache, pip-installed
 * on first use and marked done only once installed (a failed install is redone next time).
 * `python` is the interpreter the venv is made from; `env` is pip's (e.g. a pg_config on PATH).
 */
export async function pipVenv(requirement: string, options: { python?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const venv = path.join(toolCacheDir(), `venv-${requirement.replace(/\[[^\]]*\]/, '').replace('==', '-')}`);
  const done = path.join(venv, '.installed');
  if (!fs.existsSync(done)) {
    const python = options.python ?? 'python3';
    if (python === 'python3') requireCommand('python3', 'apt-get install python3 python3-venv');
    console.error(`installing ${requirement} with pip (once; cached in ${venv})`);
    fs.rmSync(venv, { recursive: true, force: true });
    await exec(python, ['-m', 'venv', venv]);
    await exec(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', requirement], { env: options.env });
    fs.writeFileSync(done, '');
  }
  return venv;
}
