/**
 * Runs MnemoLite's Postgres init files (the synthesized `db-init` ConfigMap) for real, the way the
 * postgres image's entrypoint runs them, with psql against PostgreSQL + pgvector (PGlite served over
 * the wire, its database owned by POSTGRES_USER as the image leaves it), then checks the extensions.
 */
import * as fs from 'fs';
import {
  Run,
  describeWithPsql,
  entrypoint,
  expectClean,
  expectRerunChangesNothing,
  hnswNeighbours,
  pgEnv,
  writeConfigMap,
  writeDir,
} from './support/init-harness';
import { PgliteServer, startPgliteServer } from './support/pglite-server';
import { find, objectsOf } from './support/synth';

describeWithPsql('MnemoLite Postgres init files, run as the postgres entrypoint does', () => {
  const objects = objectsOf('prod', 'mnemolite');
  const container = find(objects, 'StatefulSet', 'db').spec.template.spec.containers[0];
  const envOf = (name: string): string => {
    const value = container.env.find((e: any) => e.name === name)?.value;
    if (value === undefined) throw new Error(`the db container has no ${name}`);
    return value;
  };
  const [user, database] = [envOf('POSTGRES_USER'), envOf('POSTGRES_DB')];

  let pg: PgliteServer;
  let env: Record<string, string>;
  let firstRun: Run;

  const rows = async <T = any>(sql: string, params?: unknown[]): Promise<T[]> => (await pg.db.query<T>(sql, params)).rows;

  /** What the init files manage: extensions, schemas and the database's owner and ACL. */
  async function snapshot() {
    return {
      extensions: await rows(`SELECT extname, extversion, extnamespace::regnamespace::text FROM pg_extension ORDER BY 1`),
      schemas: await rows(`SELECT nspname, nspowner::regrole::text AS owner, nspacl::text FROM pg_namespace ORDER BY 1`),
      database: await rows(`SELECT datdba::regrole::text AS owner, datacl::text FROM pg_database WHERE datname = $1`, [database]),
    };
  }

  beforeAll(async () => {
    pg = await startPgliteServer(database, user);
    env = {
      ...pgEnv(pg),
      INITDB_DIR: writeConfigMap(find(objects, 'ConfigMap', 'db-init')),
      POSTGRES_USER: user,
      POSTGRES_DB: database,
      MNEMO_OPTIONAL_EXTENSIONS: envOf('MNEMO_OPTIONAL_EXTENSIONS'),
    };
    firstRun = await entrypoint(env);
  }, 60000);

  afterAll(async () => {
    if (env) fs.rmSync(env.INITDB_DIR, { recursive: true, force: true });
    await pg?.stop();
  });

  test('prod turns the optional extensions off (the image does not provide them)', () => {
    expect(env.MNEMO_OPTIONAL_EXTENSIONS).toBe('');
  });

  test('the entrypoint sources 10-extensions.sh (which runs extensions.psql itself) and exits 0', () => {
    expectClean(firstRun, `: sourcing ${env.INITDB_DIR}/10-extensions.sh`, `: ignoring ${env.INITDB_DIR}/extensions.psql`);
  });

  test('the database is owned by POSTGRES_USER', async () => {
    expect(await rows(`SELECT datdba::regrole::text AS owner FROM pg_database WHERE datname = $1`, [database])).toEqual([{ owner: user }]);
  });

  test('vector is created, pg_partman and pg_cron are not', async () => {
    const names = (await rows<{ extname: string }>(`SELECT extname FROM pg_extension`)).map((e) => e.extname);
    expect(names).toContain('vector');
    expect(names).not.toContain('pg_partman');
    expect(names).not.toContain('pg_cron');
    expect(await rows(`SELECT nspname FROM pg_namespace WHERE nspname = 'partman'`)).toEqual([]);
  });

  test('the owner stores embeddings in vector(384) and finds neighbours through an HNSW index', async () => {
    await pg.db.exec(`SET ROLE ${user}`); // PGlite is single-user: SET ROLE stands in for logging in
    try {
      const { ids, plan } = await hnswNeighbours(pg.db, 'memories', 400, 257);
      expect(plan).toContain('Index Scan using memories_hnsw');
      expect(ids[0]).toBe(257);
    } finally {
      await pg.db.exec('RESET ROLE');
    }
    expect(
      await rows(
        `SELECT relowner::regrole::text AS owner, (SELECT count(*)::int FROM memories) AS n FROM pg_class WHERE oid = 'memories'::regclass`,
      ),
    ).toEqual([{ owner: user, n: 400 }]);
  });

  test('a second run exits 0 and changes nothing', () => expectRerunChangesNothing(env, snapshot));

  test('with the exporter password mounted (metrics on), init adds postgres_exporter, a pg_monitor login and nothing more', async () => {
    const passwords = writeDir('roles-', { postgres_exporter: `exp'orter "pass" $x` }, 0o440);
    try {
      expect((await entrypoint({ ...env, DB_ROLE_PASSWORDS_DIR: passwords })).code).toBe(0);
    } finally {
      fs.rmSync(passwords, { recursive: true, force: true });
    }
    const roles = await rows(
      `SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, pg_has_role('postgres_exporter', 'pg_monitor', 'member') AS monitor ` +
        `FROM pg_roles WHERE rolname = 'postgres_exporter'`,
    );
    expect(roles).toEqual([{ rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false, monitor: true }]);
  });

  // Last: PGlite has neither extension, which proves the switch reaches the SQL; the init
  // runs in one transaction, so the partman schema made before the failure is rolled back.
  test('MNEMO_OPTIONAL_EXTENSIONS makes the init files create them, all or nothing', async () => {
    const run = await entrypoint({ ...env, MNEMO_OPTIONAL_EXTENSIONS: 'pg_partman pg_cron' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/ERROR:.*pg_partman/);
    expect(await rows(`SELECT nspname FROM pg_namespace WHERE nspname = 'partman'`)).toEqual([]);
  });
});
