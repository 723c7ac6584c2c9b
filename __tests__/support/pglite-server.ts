/**
 * PostgreSQL with pgvector for the suites, in process: PGlite (Postgres compiled to WASM) served
 * over the wire protocol by pglite-socket, so real clients such as psql can connect.
 *
 * PGlite is a single-user, single-session Postgres: every connection, whatever user or database
 * its startup packet names, is the same session of the superuser `postgres` in the one database
 * PGlite opened, and no password is asked. Session state (SET ROLE, SET search_path) is shared by
 * all connections and by `db`. Clients must run asynchronously (never spawnSync): the server lives
 * in this process's event loop.
 */
import type { PGlite } from '@electric-sql/pglite';
import * as vm from 'vm';

/**
 * PGlite's CommonJS build loads its WASM and extensions with import(), which Jest's module
 * sandbox rejects (without --experimental-vm-modules), and Jest's `module` and
 * `process.getBuiltinModule` are sandboxed too: load the three packages with Node's own require,
 * taken from the real `process` of the main context (Node >= 20.16).
 */
const realProcess = vm.runInThisContext('process') as NodeJS.Process;
const nodeRequire = realProcess.getBuiltinModule('module').createRequire(__filename);
const { PGlite: PGliteClass } = nodeRequire('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
const { vector } = nodeRequire('@electric-sql/pglite-pgvector') as typeof import('@electric-sql/pglite-pgvector');
const { PGLiteSocketServer } = nodeRequire('@electric-sql/pglite-socket') as typeof import('@electric-sql/pglite-socket');

export interface PgliteServer {
  /** The in-process database, for assertions (same session as the socket's clients). */
  db: PGlite;
  /** The TCP port on 127.0.0.1. */
  port: number;
  stop(): Promise<void>;
}

/** A double-quoted SQL identifier. */
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Starts PGlite with pgvector and serves it on 127.0.0.1 on a free port. PGlite can only open a
 * database that exists, so another database than `postgres` is created in a seed instance whose
 * data directory is then loaded.
 *
 * With an owner, the seed emulates the image's POSTGRES_USER (initdb --username=<owner> makes it
 * the bootstrap superuser, then the entrypoint's CREATE DATABASE makes it the database's owner):
 * `CREATE ROLE <owner> SUPERUSER LOGIN` and `CREATE DATABASE <database> OWNER <owner>` (or
 * `ALTER DATABASE postgres OWNER TO <owner>`). The session stays the superuser `postgres`'s:
 * SET ROLE <owner> to act as the owner.
 */
export async function startPgliteServer(database = 'postgres', owner?: string): Promise<PgliteServer> {
  let loadDataDir: Blob | undefined;
  if (database !== 'postgres' || owner) {
    const seed = await PGliteClass.create();
    if (owner && owner !== 'postgres') await seed.exec(`CREATE ROLE ${ident(owner)} SUPERUSER LOGIN`); // PGlite's own superuser is postgres
    if (database === 'postgres') await seed.exec(`ALTER DATABASE postgres OWNER TO ${ident(owner!)}`);
    else await seed.exec(`CREATE DATABASE ${ident(database)}${owner ? ` OWNER ${ident(owner)}` : ''}`);
    loadDataDir = await seed.dumpDataDir('none');
    await seed.close();
  }
  const db = await PGliteClass.create({ database, loadDataDir, extensions: { vector } });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  return {
    db,
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
