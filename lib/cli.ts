/** Command-line parsing shared by main.ts and scripts/: a mistake in the flags is a usage message, exit 1. */
import * as path from 'path';
import { ParseArgsConfig, parseArgs } from 'util';
import { ConfigError, describeError, show } from './errors';

export function parseCommandLine<T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new ConfigError(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, '')}\nusage: ${usage}`);
  }
}

/** Runs a command's main: any error is one message on stderr and exit 1 (never a stack trace). */
export function runCli(main: () => void | Promise<void>): void {
  Promise.resolve()
    .then(main)
    .catch((error: unknown) => {
      console.error(describeError(error));
      process.exit(1);
    });
}

/**
 * A path from a flag, confined: inside the repository (the working folder) it must lie under
 * `home` (a gitignored or generated folder), so that a secret or an output never lands in a
 * file git tracks or that another command owns; outside the repository any path is the user's choice.
 */
export function confinedPath(value: string, flag: string, home: string): string {
  const rel = path.relative(process.cwd(), path.resolve(value));
  const inside = rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
  if (inside && rel !== home && !rel.startsWith(home + path.sep)) {
    throw new ConfigError(
      `${flag} ${show(value)}: inside this repository it must be under ${home}/ ` +
        `(other folders are committed or owned by other commands): use ${home}/<name>, or a path outside the repository`,
    );
  }
  return value;
}

/**
 * Whether the date and clock of a flag's time exist ("2025-02-30" and "25:00" do not): Date.parse rolls them
 * over into the next month or day instead of refusing them.
 */
export function isRealTime(at: string): boolean {
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(at) ?? [];
  if (y === undefined) return false;
  const t = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  return (
    t.getUTCFullYear() === Number(y) &&
    t.getUTCMonth() === Number(mo) - 1 &&
    t.getUTCDate() === Number(d) &&
    t.getUTCHours() === Number(h) &&
    t.getUTCMinutes() === Number(mi) &&
    t.getUTCSeconds() === Number(s)
  );
}
