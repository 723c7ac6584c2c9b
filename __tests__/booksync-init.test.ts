/**
 * Runs BookSync's Postgres init files (the synthesized `postgres-init` ConfigMap) for real, the way
 * the postgres image's entrypoint runs them, with psql against PostgreSQL + pgvector (PGlite served
 * over the wire), then checks the roles, schemas and privileges they leave behind.
 */
import * as crypto from 'crypto';
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

const DATABASE = 'booksync'; // the StatefulSet's POSTGRES_DB
const SCHEMAS = { booksync_auth: 'auth', booksync_data: 'data', booksync_prediction: 'prediction' } as const;
const ROLES = Object.keys(SCHEMAS) as Array<keyof typeof SCHEMAS>;

/** Passwords no shell or SQL quoting mistake survives (NFKC-stable, so SCRAM's SASLprep keeps them). */
const PASSWORDS: Record<string, string> = {
  booksync_auth: `-it's a "quoted" \\back\\\\slash $HOME \`id\` ; DROP ROLE postgres; -- `,
  booksync_data: `p@ss:w/rd%20%s $(whoami) 'x' "y" \\' ;\\`,
  booksync_prediction: `ünïcødé 密码 🔑 :'a' :"b" \${PATH} \\n\\t ' `,
};

/** True when a `SCRAM-SHA-256$iter:salt$StoredKey:ServerKey` verifier was made from the password. */
function scramMatches(verifier: string, password: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!m) return false;
  const salted = crypto.pbkdf2Sync(password, Buffer.from(m[2], 'base64'), Number(m[1]), 32, 'sha256');
  const hmac = (key: Buffer, text: string) => crypto.createHmac('sha256', key).update(text).digest();
  const storedKey = crypto.createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  return storedKey.toString('base64') === m[3] && hmac(salted, 'Server Key').toString('base64') === m[4];
}

describeWithPsql('BookSync Postgres init files, run as the postgres entrypoint does', () => {
  let pg: PgliteServer;
  let env: Record<string, string>;
  let firstRun: Run;
  const tmpDirs: string[] = [];

  const rows = async <T = any>(sql: string, params?: unknown[]): Promise<T[]> => (await pg.db.query<T>(sql, params)).rows;

  /** Runs fn as role (PGlite is single-user: SET ROLE stands in for logging in). */
  async function as<T>(role: keyof typeof SCHEMAS, fn: () => Promise<T>): Promise<T> {
    await pg.db.exec(`SET ROLE ${role}; SET search_path = ${SCHEMAS[role]}, public`);
    try {
      return await fn();
    } finally {
      await pg.db.exec('RESET ROLE; RESET search_path; RESET enable_seqscan');
    }
  }

  /** Everything the init files manage, except password salts (new on every ALTER ROLE … PASSWORD). */
  async function snapshot() {
    return {
      roles: await rows(
        `SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication,
                rolbypassrls, rolconnlimit, rolvaliduntil FROM pg_roles ORDER BY rolname`,
      ),
      members: await rows(`SELECT roleid::regrole::text, member::regrole::text FROM pg_auth_members ORDER BY 1, 2`),
      schemas: await rows(`SELECT nspname, nspowner::regrole::text AS owner, nspacl::text FROM pg_namespace ORDER BY nspname`),
      databases: await rows(`SELECT datname, datacl::text FROM pg_database ORDER BY datname`),
      settings: await rows(
        `SELECT setrole::regrole::text, d.datname, setconfig::text FROM pg_db_role_setting s
           LEFT JOIN pg_database d ON d.oid = s.setdatabase ORDER BY 1, 2`,
      ),
      extensions: await rows(`SELECT extname, extversion, extnamespace::regnamespace::text FROM pg_extension ORDER BY 1`),
    };
  }

  async function expectPasswords(): Promise<void> {
    const stored = await rows<{ rolname: string; rolpassword: string }>(
      `SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1) ORDER BY rolname`,
      [ROLES],
    );
    expect(stored.map((r) => r.rolname)).toEqual(ROLES);
    for (const { rolname, rolpassword } of stored) {
      expect(rolpassword).toMatch(/^SCRAM-SHA-256\$/);
      expect(scramMatches(rolpassword, PASSWORDS[rolname])).toBe(true);
      expect(scramMatches(rolpassword, `${PASSWORDS[rolname]}x`)).toBe(false);
    }
  }

  beforeAll(async () => {
    pg = await startPgliteServer(DATABASE);
    const cm = find(objectsOf('prod', 'booksync'), 'ConfigMap', 'postgres-init');
    const initdb = writeConfigMap(cm);
    const secrets = writeDir('db-roles-', PASSWORDS, 0o440); // the projected Secrets' defaultMode
    tmpDirs.push(initdb, secrets);
    env = {
      POSTGRES_USER: 'postgres',
      POSTGRES_DB: DATABASE,
      DB_ROLE_PASSWORDS_DIR: secrets,
      INITDB_DIR: initdb,
      ...pgEnv(pg),
    };
    firstRun = await entrypoint(env);
  }, 60000);

  afterAll(async () => {
    await pg?.stop();
    for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the passwords are NFKC-stable, so the SCRAM check below is exact', () => {
    for (const password of Object.values(PASSWORDS)) expect(password.normalize('NFKC')).toBe(password);
  });

  test('the entrypoint sources the .sh, ignores the .psql and exits 0', () => {
    expectClean(firstRun, `: sourcing ${env.INITDB_DIR}/10-service-roles.sh`, `: ignoring ${env.INITDB_DIR}/service-roles.psql`);
  });

  test('each service role can log in and nothing more, with its SCRAM-SHA-256 password', async () => {
    expect(await rows(`SHOW password_encryption`)).toEqual([{ password_encryption: 'scram-sha-256' }]);
    const roles = await rows(
      `SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
         FROM pg_roles WHERE rolname LIKE 'booksync%' ORDER BY rolname`,
    );
    expect(roles).toEqual(
      ROLES.map((rolname) => ({
        rolname,
        rolcanlogin: true,
        rolsuper: false,
        rolcreaterole: false,
        rolcreatedb: false,
        rolreplication: false,
        rolbypassrls: false,
      })),
    );
    await expectPasswords();
  });

  test('one schema per role, owned by it and first on its search_path in the database', async () => {
    expect(
      await rows(
        `SELECT nspname, nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname IN ('auth', 'data', 'prediction') ORDER BY 1`,
      ),
    ).toEqual(ROLES.map((owner) => ({ nspname: SCHEMAS[owner], owner })));
    const settings = await rows(
      `SELECT setrole::regrole::text AS role, d.datname, setconfig FROM pg_db_role_setting s
         JOIN pg_database d ON d.oid = s.setdatabase ORDER BY 1`,
    );
    expect(settings).toEqual(ROLES.map((role) => ({ role, datname: DATABASE, setconfig: [`search_path=${SCHEMAS[role]}, public`] })));
  });

  test('PUBLIC has no right on the database nor on schema public; the service roles have only what they need', async () => {
    const [{ datacl }] = await rows<{ datacl: string[] }>(`SELECT datacl::text[] FROM pg_database WHERE datname = $1`, [DATABASE]);
    expect(datacl.filter((item) => item.startsWith('='))).toEqual([]);
    const [{ nspacl }] = await rows<{ nspacl: string[] }>(`SELECT nspacl::text[] FROM pg_namespace WHERE nspname = 'public'`);
    expect(nspacl.filter((item) => item.startsWith('='))).toEqual([]);

    await pg.db.exec('CREATE ROLE outsider LOGIN');
    try {
      const privileges = await rows(
        `SELECT r AS role, has_database_privilege(r, $1, 'CONNECT') AS connect, has_database_privilege(r, $1, 'TEMP') AS temp,
                has_schema_privilege(r, 'public', 'USAGE') AS usage, has_schema_privilege(r, 'public', 'CREATE') AS create
           FROM unnest($2::text[]) AS r ORDER BY r`,
        [DATABASE, [...ROLES, 'outsider']],
      );
      expect(privileges).toEqual([
        ...ROLES.map((role) => ({ role, connect: true, temp: true, usage: true, create: false })),
        { role: 'outsider', connect: false, temp: false, usage: false, create: false },
      ]);
    } finally {
      await pg.db.exec('DROP ROLE outsider');
    }
  });

  test('each role can create tables, insert and select in its own schema', async () => {
    for (const role of ROLES) {
      const schema = SCHEMAS[role];
      const found = await as(role, async () => {
        await pg.db.exec(`CREATE TABLE items (id int PRIMARY KEY, added_by text); INSERT INTO items VALUES (1, current_user)`);
        return rows(
          `SELECT relnamespace::regnamespace::text AS schema, relowner::regrole::text AS owner,
                  (SELECT added_by FROM ${schema}.items) AS added_by
             FROM pg_class WHERE oid = 'items'::regclass`,
        );
      });
      expect(found).toEqual([{ schema, owner: role, added_by: role }]);
    }
  });

  test('each role is denied the other schemas and CREATE in public', async () => {
    for (const role of ROLES) {
      for (const other of ROLES.filter((r) => r !== role).map((r) => SCHEMAS[r])) {
        await as(role, async () => {
          await expect(pg.db.query(`SELECT * FROM ${other}.items`)).rejects.toThrow(`permission denied for schema ${other}`);
          await expect(pg.db.exec(`CREATE TABLE ${other}.intruder (id int)`)).rejects.toThrow(`permission denied for schema ${other}`);
        });
      }
      await as(role, async () => {
        await expect(pg.db.exec(`CREATE TABLE public.intruder (id int)`)).rejects.toThrow('permission denied for schema public');
      });
    }
  });

  test('no role can create roles or databases', async () => {
    for (const role of ROLES) {
      await as(role, async () => {
        await expect(pg.db.exec(`CREATE ROLE sneaky`)).rejects.toThrow('permission denied to create role');
        await expect(pg.db.exec(`CREATE DATABASE sneaky`)).rejects.toThrow('permission denied to create database');
      });
    }
  });

  test('the prediction role stores embeddings in vector(384) and finds neighbours through an HNSW index', async () => {
    const { ids, plan } = await as('booksync_prediction', () => hnswNeighbours(pg.db, 'embeddings'));
    expect(plan).toContain('Index Scan using embeddings_hnsw');
    expect(ids[0]).toBe(123);
    expect(await rows(`SELECT count(*)::int AS n FROM prediction.embeddings`)).toEqual([{ n: 300 }]);
  });

  test('a second run exits 0 and changes nothing (the passwords are set again, to the same)', async () => {
    await expectRerunChangesNothing(env, snapshot);
    await expectPasswords();
  });

  test('a missing password file stops the entrypoint, naming the role', async () => {
    const partial = writeDir('db-roles-', { booksync_auth: 'a', booksync_data: 'b' }, 0o440);
    tmpDirs.push(partial);
    const run = await entrypoint({ ...env, DB_ROLE_PASSWORDS_DIR: partial });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('no password for role booksync_prediction');
  });
});
