/**
 * Runs MnemoLite's Postgres init files (the synthesized `db-init` ConfigMap) for real, the way the
 * postgres image's entrypoint runs them, with psql against PostgreSQL + pgvector (PGlite served over
 * the wire, its database owned by POSTGRES_USER as the image leaves it), then checks the app's role
 * (owner of the database, no superuser) and the extensions.
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
  const [user, database, owner] = [envOf('POSTGRES_USER'), envOf('POSTGRES_DB'), envOf('MNEMO_DB_OWNER')];

  let pg: PgliteServer;
  let env: Record<string, string>;
  let firstRun: Run;
  let passwords: string;

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
    passwords = writeDir('db-roles-', { [owner]: `own'er "pass" $x` }, 0o440); // the projected Secrets' defaultMode
    env = {
      ...pgEnv(pg),
      INITDB_DIR: writeConfigMap(find(objects, 'ConfigMap', 'db-init')),
      POSTGRES_USER: user,
      POSTGRES_DB: database,
      DB_ROLE_PASSWORDS_DIR: passwords,
      MNEMO_DB_OWNER: owner,
      MNEMO_OPTIONAL_EXTENSIONS: envOf('MNEMO_OPTIONAL_EXTENSIONS'),
    };
    firstRun = await entrypoint(env);
  }, 60000);

  afterAll(async () => {
    if (env) fs.rmSync(env.INITDB_DIR, { recursive: true, force: true });
    if (passwords) fs.rmSync(passwords, { recursive: true, force: true });
    await pg?.stop();
  });

  test('prod turns the optional extensions off (the image does not provide them)', () => {
    expect(env.MNEMO_OPTIONAL_EXTENSIONS).toBe('');
  });

  test('the entrypoint sources 05-owner-role.sh and 10-extensions.sh (which run their .psql files) and exits 0', () => {
    expectClean(firstRun, `: sourcing ${env.INITDB_DIR}/05-owner-role.sh`, `: sourcing ${env.INITDB_DIR}/10-extensions.sh`);
    expect(firstRun.stdout).toContain(`: ignoring ${env.INITDB_DIR}/extensions.psql`);
    expect(firstRun.stdout).toContain(`: ignoring ${env.INITDB_DIR}/migrate-superuser.bash`);
  });

  test('the admin is postgres; the app role mnemo owns the database and is no superuser, nor may create roles or databases', async () => {
    expect([user, owner]).toEqual(['postgres', 'mnemo']);
    expect(await rows(`SELECT datdba::regrole::text AS owner FROM pg_database WHERE datname = $1`, [database])).toEqual([{ owner }]);
    expect(
      await rows(
        `SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = $1`,
        [owner],
      ),
    ).toEqual([
      { rolcanlogin: true, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, rolreplication: false },
    ]);
  });

  test('without its password file, init stops and says which Secret is missing', async () => {
    const empty = writeDir('db-roles-', {}, 0o440);
    try {
      const run = await entrypoint({ ...env, DB_ROLE_PASSWORDS_DIR: empty });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(`no password for role ${owner}`);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('vector is created, pg_partman and pg_cron are not', async () => {
    const names = (await rows<{ extname: string }>(`SELECT extname FROM pg_extension`)).map((e) => e.extname);
    expect(names).toContain('vector');
    expect(names).not.toContain('pg_partman');
    expect(names).not.toContain('pg_cron');
    expect(await rows(`SELECT nspname FROM pg_namespace WHERE nspname = 'partman'`)).toEqual([]);
  });

  test('the owner stores embeddings in vector(384) and finds neighbours through an HNSW index', async () => {
    await pg.db.exec(`SET ROLE ${owner}`); // PGlite is single-user: SET ROLE stands in for logging in
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
    ).toEqual([{ owner, n: 400 }]);
  });

  test('a second run exits 0 and changes nothing', () => expectRerunChangesNothing(env, snapshot));

  test('with the exporter password mounted (metrics on), init adds postgres_exporter, a pg_monitor login and nothing more', async () => {
    const withExporter = writeDir('roles-', { [owner]: 'o', postgres_exporter: `exp'orter "pass" $x` }, 0o440);
    try {
      expect((await entrypoint({ ...env, DB_ROLE_PASSWORDS_DIR: withExporter })).code).toBe(0);
    } finally {
      fs.rmSync(withExporter, { recursive: true, force: true });
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
