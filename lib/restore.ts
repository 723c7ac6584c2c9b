/**
 * The documented restore of a system's database from one of its backup dumps. One place for
 * the command, so that the README, `npm run restore` and the verify suite's round trip all
 * run the same thing.
 */

/**
 * pg_restore of a custom-format dump into an existing database whose roles and schemas the
 * init scripts made: every dumped object is dropped if it exists and recreated, all in one
 * transaction that stops at the first error (a failed restore leaves the database as it was).
 * Connection settings come from libpq variables or the arguments given.
 */
export function restoreArgs(database: string, user: string, dump?: string): string[] {
  return [
    'pg_restore',
    '--clean',
    '--if-exists',
    '--single-transaction',
    '--exit-on-error',
    '--no-password',
    `--username=${user}`,
    `--dbname=${database}`,
    ...(dump ? [dump] : []),
  ];
}
