/** Command-line parsing shared by main.ts and scripts/: a mistake in the flags is a usage message, exit 1. */
import { ParseArgsConfig, parseArgs } from 'util';
import { ConfigError } from './config';

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
    .catch((error: Error) => {
      console.error(error.message);
      process.exit(1);
    });
}
