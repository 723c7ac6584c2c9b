/**
 * The Postgres init files on a real PostgreSQL + pgvector server with real logins, which the jest
 * suites (PGlite: one user, no authentication) cannot show. For each system, from its committed
 * dist/prod/ manifests: the StatefulSet's volumes laid out as the pod mounts them (the init
 * ConfigMap, one random hostile password file per role), a fresh cluster made as the image makes
 * it (initdb with POSTGRES_USER and the password of POSTGRES_PASSWORD_FILE, the container's
 * settings, POSTGRES_DB created), then the image's init step (__tests__/support/postgres-entrypoint.sh)
 * over the Unix socket. Every role must then log in over TCP with SCRAM-SHA-256 and be held to what
 * the README promises, and a second run of the init files must change nothing.
 *
 * Then the day-two path: every service role fills a table in its schema (vectors with an HNSW
 * index for the vector role), the backup CronJob's own command line (read from its manifest) dumps
 * the database into a folder that already holds KEEP older dumps, the database is dropped and made
 * again as on a fresh cluster, the documented restore (lib/restore.ts) runs, and every table must
 * come back with the same row count and checksum, owners, grants and HNSW search.
 *
 * The server is PostgreSQL 16 with pgvector 0.6 from PyPI's pgserver, pip-installed once into a
 * cached venv (the image runs 17 with pgvector 0.8). initdb refuses root: as root, the server and
 * the init step run as the system user `pgverify`, as the pod runs them as uid 999.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readManifests } from '../lib/dist';
import { restoreArgs } from '../lib/restore';
import { BACKUP_ROLE, EXPORTER_ROLE, ensureEnvFile, readEnvFile } from '../lib/secrets';
import { loadEnvironment, sectionOf } from '../app/environment';
import { SYSTEMS } from '../app/registry';
import { secretsReadBy } from '../app/secrets-hash';
import { DatabaseExpectations } from '../charts/system';
import { Check, REPO, exec, freePort, pipVenv, requireCommand, withTempDir } from './check';
import { throughOffsite } from './offsite';

const ENV = 'prod';
const PGSERVER_VERSION = '0.1.4';
const SERVER_USER = 'pgverify';
const HARNESS = path.join(REPO, '__tests__', 'support', 'postgres-entrypoint.sh');
/** Where the image reads its init files and puts its socket. */
const INITDB_MOUNT = '/docker-entrypoint-initdb.d';
const SOCKET_MOUNT = '/var/run/postgresql';

// ---------------------------------------------------------------------------------------------
// The server's binaries and user

/** site-packages of the cached venv with pgserver, pip-installed on first use. */
async function pgserverSitePackages(): Promise<string> {
  const venv = await pipVenv(`pgserver==${PGSERVER_VERSION}`);
  const lib = path.join(venv, 'lib');
  const python = fs.readdirSync(lib).find((d) => d.startsWith('python'));
  if (!python) throw new Error(`${venv}: no lib/python*/: remove it to reinstall`);
  return path.join(lib, python, 'site-packages');
}

/** Who runs initdb, the server and the init step, and how. */
export interface ServerUser {
  readonly uid: number;
  readonly gid: number;
  run(file: string, args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<string>;
}

/** This process's user, or when root (which initdb refuses) the system user pgverify, created if missing. */
async function serverUser(): Promise<ServerUser> {
  if (process.getuid!() !== 0)
    return { uid: process.getuid!(), gid: process.getgid!(), run: (file, args, options) => exec(file, args, { ...options, cwd: '/' }) };
  requireCommand('setpriv', 'apt-get install util-linux');
  const id = (flag: string) => exec('id', [flag, SERVER_USER]).then(Number);
  if (!(await id('-u').catch(() => undefined))) {
    requireCommand('useradd', 'apt-get install passwd');
    // a parallel run may have made it
    await exec('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVER_USER]).catch(() => undefined);
  }
  const [uid, gid] = [await id('-u'), await id('-g')];
  const setpriv = [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'];
  return { uid, gid, run: (file, args, options) => exec('setpriv', [...setpriv, file, ...args], { ...options, cwd: '/' }) };
}

/** Copies a tree into a folder as hard links when it can (instant), else as files. */
async function copyInto(source: string, dir: string): Promise<void> {
  await exec('cp', ['-al', source, dir]).catch(() => exec('cp', ['-a', source, dir]));
}

/** The bin dir the server user can run: the cached one, or a copy in dir when it cannot reach the cache (root's home is 0700). */
async function reachableBin(user: ServerUser, sitePackages: string, dir: string): Promise<string> {
  const bin = (root: string) => path.join(root, 'pgserver', 'pginstall', 'bin');
  if (
    await user.run('test', ['-x', path.join(bin(sitePackages), 'postgres')]).then(
      () => true,
      () => false,
    )
  )
    return bin(sitePackages);
  fs.mkdirSync(path.join(dir, 'pgserver'), { recursive: true });
  await copyInto(path.join(sitePackages, 'pgserver', 'pginstall'), path.join(dir, 'pgserver'));
  await copyInto(path.join(sitePackages, 'pgserver.libs'), dir); // the binaries' RPATH: $ORIGIN/../../../pgserver.libs
  return bin(dir);
}

/** What every cluster of a run shares: the server user, its binaries, the entrypoint harness it can read. */
export interface Host {
  readonly user: ServerUser;
  readonly bin: string;
  readonly harness: string;
}

/** The host of a run, in its temporary folder. */
export async function prepareHost(root: string): Promise<Host> {
  const sitePackages = await pgserverSitePackages();
  const user = await serverUser();
  fs.chmodSync(root, 0o711); // the server user goes through, to its own folders
  const harness = path.join(root, 'postgres-entrypoint.sh');
  writeMounted(harness, fs.readFileSync(HARNESS, 'utf8'), 0o444);
  return { user, bin: await reachableBin(user, sitePackages, root), harness };
}

// ---------------------------------------------------------------------------------------------
// The pod, from the manifests

/** The objects of dist/<env>/<system>/. */
const manifests = (system: string): any[] => readManifests(path.join(REPO, 'dist', ENV, system));

/**
 * The first container of a StatefulSet's or CronJob's pods that sets the variable name, with its
 * pod's volumes: the postgres container sets POSTGRES_USER, the backup's sets BACKUP_DIR.
 */
function containerWith(objects: any[], kind: 'StatefulSet' | 'CronJob', name: string): { container: any; volumes: any[] } | undefined {
  for (const o of objects.filter((o) => o.kind === kind)) {
    const pod = kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
    const container = [...(pod.initContainers ?? []), ...pod.containers].find((c: any) => c.env?.some((e: any) => e.name === name));
    if (container) return { container, volumes: pod.volumes ?? [] };
  }
  return undefined;
}

/** The `-c name=value` settings of the container's `postgres` command. */
function settingsOf(container: any): Array<[string, string]> {
  const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])];
  if (command !== 'postgres') throw new Error(`the postgres container runs ${command}, not postgres`);
  const settings: Array<[string, string]> = [];
  for (let i = 0; i < args.length; i += 2) {
    const m = /^([a-z_.]+)=(.*)$/.exec(args[i + 1] ?? '');
    if (args[i] !== '-c' || !m) throw new Error(`unexpected postgres argument ${args[i]} ${args[i + 1] ?? ''}`);
    settings.push([m[1], m[2]]);
  }
  return settings;
}

const HOSTILE = [`'`, `"`, '\\', '$HOME', '$(id)', '`id`', ' ', `:'x'`, '%s', ';', '--', 'é', '密码', '🔑'];
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A new password: every character a quoting mistake trips on and random letters, shuffled, after a leading '-'. */
export function hostilePassword(): string {
  const tokens = [...HOSTILE, ...Array.from({ length: 12 }, () => ALNUM[crypto.randomInt(ALNUM.length)])];
  for (let i = tokens.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [tokens[i], tokens[j]] = [tokens[j], tokens[i]];
  }
  return `-${tokens.join('')}`;
}

/** Gives a file or folder to the server user, with a mode. */
export function giveTo(user: ServerUser, file: string, mode: number): void {
  fs.chmodSync(file, mode);
  if (process.getuid!() === 0) fs.chownSync(file, user.uid, user.gid);
}

/** Writes a file with a mode, owned by root and the group (a pod's fsGroup). */
function writeMounted(file: string, text: string, mode: number, gid?: number): void {
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
  if (gid !== undefined) fs.chownSync(file, 0, gid);
}

/** The container's mounts laid out under a folder, and the passwords of the role files among them. */
class Pod {
  /** By file name (the role). */
  readonly passwords = new Map<string, string>();
  /** By `<Secret name>/<key>`, as a secretKeyRef names them. */
  readonly secrets = new Map<string, string>();
  /** The role of each password file's Secret. */
  readonly roleOfSecret = new Map<string, string>();
  private readonly mounts: Array<[string, string]> = [];

  /**
   * ConfigMap volumes get their data, projected Secret volumes a new password per item, both
   * with the volume's defaultMode; every other volume (the data claim, emptyDirs) is an empty
   * folder of the server user's.
   */
  constructor(
    objects: any[],
    readonly container: any,
    volumes: any[],
    root: string,
    user: ServerUser,
  ) {
    const asRoot = process.getuid!() === 0;
    for (const mount of container.volumeMounts ?? []) {
      const dir = path.join(root, 'volumes', mount.name);
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
      const volume = volumes.find((v) => v.name === mount.name) ?? {};
      if (volume.configMap) {
        const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
        if (!configMap) throw new Error(`volume ${mount.name}: no ConfigMap ${volume.configMap.name}`);
        for (const [name, text] of Object.entries<string>(configMap.data))
          writeMounted(path.join(dir, name), text, volume.configMap.defaultMode ?? 0o644);
      } else if (volume.projected) {
        for (const secret of volume.projected.sources.flatMap((s: any) => (s.secret ? [s.secret] : []))) {
          for (const item of secret.items ?? []) {
            const password = hostilePassword();
            this.passwords.set(item.path, password);
            this.secrets.set(`${secret.name}/${item.key}`, password);
            this.roleOfSecret.set(secret.name, item.path);
            writeMounted(
              path.join(dir, item.path),
              password,
              item.mode ?? volume.projected.defaultMode ?? 0o644,
              asRoot ? user.gid : undefined,
            );
          }
        }
      } else {
        giveTo(user, dir, 0o700);
      }
      this.mounts.push([mount.mountPath, dir]);
    }
  }

  /** Where a path of the container is here, if a volume holds it. */
  private find(podPath: string): string | undefined {
    const found = this.mounts.find(([mount]) => podPath === mount || podPath.startsWith(`${mount}/`));
    return found && found[1] + podPath.slice(found[0].length);
  }

  /** Where a path of the container is here; throws when no volume holds it (the root filesystem is read-only). */
  local(podPath: string): string {
    const found = this.find(podPath);
    if (found === undefined) throw new Error(`${podPath} is on no volume of the postgres container`);
    return found;
  }

  /** The container's environment, its paths moved to where the volumes are here. */
  env(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const { name, value } of this.container.env ?? []) {
      if (value !== undefined) env[name] = this.find(value) ?? value;
    }
    return env;
  }
}

// ---------------------------------------------------------------------------------------------
// The server

/** A system's running cluster and what the check knows of it. */
export interface Cluster {
  readonly system: string;
  readonly expected: DatabaseExpectations;
  readonly host: Host;
  readonly port: number;
  readonly admin: string;
  readonly database: string;
  readonly passwords: Map<string, string>;
  /** The passwords by `<Secret name>/<key>`. */
  readonly secrets: Map<string, string>;
  /** The pod's environment for the init step: over the socket, as the image's first start. */
  readonly initEnv: Record<string, string>;
  /** The system's folder. */
  readonly dir: string;
  /** The admin's password when it has no password file (CloudNativePG's superuser, given one for verify's own queries). */
  readonly adminPassword?: string;
}

/** postgresql.conf lines: the container's settings, then this server's. */
export function configLines(settings: Array<[string, string]>): string {
  return `\n${settings.map(([name, value]) => `${name} = '${value.replace(/'/g, "''")}'\n`).join('')}`;
}

/**
 * initdb as the image runs it (POSTGRES_USER, the password of POSTGRES_PASSWORD_FILE,
 * POSTGRES_INITDB_ARGS; initdb's pg_hba.conf, which trusts the socket and 127.0.0.1, with the
 * image's `host all all all scram-sha-256` appended), the container's settings (its hba_file
 * included, read where its volume is here), listening on 127.0.0.1 only, without fsync (a
 * throwaway cluster); then pg_ctl start. Every login of the check is over 127.0.0.1, so a wrong
 * password is refused only if the container's own hba_file is in force. Returns the stop, which
 * the caller must run.
 */
async function startServer(
  { user, bin }: Host,
  pod: Pod,
  port: number,
  override: Record<string, string> = {},
): Promise<() => Promise<void>> {
  const env = { ...pod.env(), ...override };
  const pgdata = env.PGDATA ?? pod.local('/var/lib/postgresql/data');
  if (!env.POSTGRES_PASSWORD_FILE) throw new Error('the postgres container has no POSTGRES_PASSWORD_FILE');
  const serverEnv = { PATH: `${bin}:${process.env.PATH}`, LC_ALL: 'C' };
  await user.run(
    path.join(bin, 'initdb'),
    [
      '--pgdata',
      pgdata,
      `--username=${env.POSTGRES_USER}`,
      `--pwfile=${env.POSTGRES_PASSWORD_FILE}`,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      ...(env.POSTGRES_INITDB_ARGS ?? '').split(/\s+/).filter(Boolean),
    ],
    { env: serverEnv },
  );
  const own: Array<[string, string]> = [
    ['listen_addresses', '127.0.0.1'],
    ['port', String(port)],
    ['unix_socket_directories', pod.local(SOCKET_MOUNT)],
    ['password_encryption', 'scram-sha-256'],
    ['fsync', 'off'],
  ];
  fs.appendFileSync(path.join(pgdata, 'pg_hba.conf'), '\nhost all all all scram-sha-256\n'); // the image's POSTGRES_HOST_AUTH_METHOD
  const settings = settingsOf(pod.container).map(([name, value]): [string, string] => [
    name,
    name === 'hba_file' ? pod.local(value) : value,
  ]);
  fs.appendFileSync(path.join(pgdata, 'postgresql.conf'), configLines([...settings, ...own]));
  const log = path.join(path.dirname(pgdata), 'server.log');
  const stop = () =>
    user.run(path.join(bin, 'pg_ctl'), ['stop', '--pgdata', pgdata, '--mode=immediate'], { env: serverEnv }).then(
      () => undefined,
      () => undefined,
    );
  try {
    await user.run(path.join(bin, 'pg_ctl'), ['start', '--pgdata', pgdata, '--wait', '--timeout=60', `--log=${log}`], { env: serverEnv });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
  }
  return stop;
}

/** The image's docker_setup_db: POSTGRES_DB created by POSTGRES_USER over the socket, when missing. */
async function createDatabase(c: Cluster): Promise<void> {
  const sql =
    `SELECT NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') AS missing \\gset\n` +
    `\\if :missing\nCREATE DATABASE :"db";\n\\endif\n`;
  await c.host.user.run(
    'psql',
    ['-v', 'ON_ERROR_STOP=1', '--username', c.admin, '--no-password', '--no-psqlrc', '--dbname', 'postgres', '--set', `db=${c.database}`],
    { input: sql, env: c.initEnv },
  );
}

/** The image's init step: the harness, as the server user, over the socket. */
function runInitFiles(c: Cluster): Promise<string> {
  return c.host.user.run('bash', [c.host.harness], { env: c.initEnv });
}

// ---------------------------------------------------------------------------------------------
// Logins over TCP

/** libpq's variables for the server over TCP, its binaries first on PATH. */
function overTcp(c: Cluster): Record<string, string> {
  return { PATH: `${c.host.bin}:${process.env.PATH}`, PGHOST: '127.0.0.1', PGPORT: String(c.port) };
}

/** Runs sql as role over TCP, without TLS, refusing any authentication but SCRAM-SHA-256; resolves to psql's output. */
export function login(
  c: Cluster,
  role: string,
  sql: string,
  password = c.passwords.get(role) ?? (role === c.admin ? c.adminPassword : undefined) ?? '',
  database = c.database,
): Promise<string> {
  const env = {
    ...overTcp(c),
    PGDATABASE: database,
    PGUSER: role,
    PGPASSWORD: password,
    PGSSLMODE: 'disable',
    PGREQUIREAUTH: 'scram-sha-256',
    PGPASSFILE: '/dev/null',
    PGCONNECT_TIMEOUT: '10',
  };
  return exec(path.join(c.host.bin, 'psql'), ['--no-psqlrc', '--quiet', '--no-align', '--tuples-only', '-v', 'ON_ERROR_STOP=1'], {
    input: sql,
    env,
  }).then((out) => out.trim());
}

/** What a failed command printed, from exec's error. */
export function printed(error: Error): string {
  return error.message.replace(/^[^]*? failed:\n/, '').trim();
}

/** The error of a run expected to fail (what the command printed, on one line), or undefined when it succeeded. */
export function refusal(run: Promise<unknown>): Promise<string | undefined> {
  return run.then(
    () => undefined,
    (error: Error) => printed(error).replace(/\n/g, ' '),
  );
}

/** The findings and counts of the whole check. */
export class Findings {
  readonly problems: string[] = [];
  servers = 0;
  logins = 0;
  permissions = 0;
  searches = 0;
  reruns = 0;
  /** Roles the workloads use, checked for least privilege. */
  workloadRoles = 0;
  /** Runs of a seed-era database's migration (each run twice). */
  migrations = 0;
  /** Roles rotated by npm run rotate: the old password refused, the new one accepted. */
  rotations = 0;
  roundTrips = 0;
  /** Round trips whose dump went through the off-node copy (S3 on 127.0.0.1) and back. */
  offsite = 0;
  tables = 0;
  rows = 0;
  readonly keeps = new Set<number>();

  /** Records a problem of c's system unless ok. */
  expect(c: Cluster, ok: boolean, what: string): void {
    if (!ok) this.problems.push(`${c.system}: ${what}`);
  }

  /** Expects run to fail with message. */
  async expectRefused(c: Cluster, what: string, run: Promise<unknown>, message: string): Promise<void> {
    const error = await refusal(run);
    this.expect(
      c,
      error?.includes(message) === true,
      `${what}: expected "${message}", got ${error === undefined ? 'success' : `"${error}"`}`,
    );
  }

  /** Expects run to fail with message; counts a permission check. */
  expectDenied(c: Cluster, what: string, run: Promise<unknown>, message: string): Promise<void> {
    this.permissions++;
    return this.expectRefused(c, what, run, message);
  }
}

// ---------------------------------------------------------------------------------------------
// What each cluster is held to

/**
 * Every role with a password file logs in with it over TCP with SCRAM, and not with a wrong
 * one; every stored verifier is SCRAM. Returns the count.
 */
export async function checkLogins(c: Cluster, f: Findings): Promise<number> {
  let ok = 0;
  for (const role of c.passwords.keys()) {
    const who = await login(c, role, 'SELECT current_user').catch((e: Error) => e.message);
    f.expect(c, who === role, `${role} cannot log in over TCP with its password: ${who}`);
    if (who === role) ok++;
    await f.expectRefused(
      c,
      `${role} with a wrong password`,
      login(c, role, 'SELECT 1', `${c.passwords.get(role)}x`),
      `password authentication failed for user "${role}"`,
    );
  }
  const notScram = await login(
    c,
    c.admin,
    `SELECT string_agg(rolname, ', ') FROM pg_authid WHERE rolcanlogin AND coalesce(rolpassword, '') NOT LIKE 'SCRAM-SHA-256$%'`,
  );
  f.expect(c, notScram === '', `login roles without a SCRAM-SHA-256 verifier: ${notScram}`);
  return ok;
}

/** The powers no workload role may hold, as pg_roles names them, joined into one "false,false,…" text. */
export const ROLE_POWERS = ['rolsuper', 'rolcreaterole', 'rolcreatedb', 'rolbypassrls', 'rolreplication'];
export const POWERS = ROLE_POWERS.join(" || ',' || ");
export const NO_POWERS = ROLE_POWERS.map(() => 'false').join(',');

/**
 * The role the nightly dump runs as reads every table and writes none: no superuser, no
 * CREATEROLE/CREATEDB/BYPASSRLS, no table created, no row deleted.
 */
async function checkBackupRole(c: Cluster, f: Findings): Promise<void> {
  if (!c.passwords.has(BACKUP_ROLE)) return;
  const flags = await login(c, c.admin, `SELECT ${POWERS} FROM pg_roles WHERE rolname = '${BACKUP_ROLE}'`);
  f.expect(c, flags === NO_POWERS, `${BACKUP_ROLE} has ${ROLE_POWERS.join(',')} = ${flags}`);
  const table = await login(
    c,
    c.admin,
    "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables " +
      "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1 LIMIT 1",
  );
  f.expect(c, table !== '', 'no table to try the backup role on');
  const rows = await login(c, BACKUP_ROLE, `SELECT count(*) FROM ${table}`).catch((e: Error) => `failed: ${printed(e)}`);
  f.expect(c, /^[0-9]+$/.test(rows), `${BACKUP_ROLE} cannot read ${table}: ${rows}`);
  await f.expectDenied(
    c,
    `${BACKUP_ROLE} deletes from ${table}`,
    login(c, BACKUP_ROLE, `DELETE FROM ${table}`),
    'permission denied for table',
  );
  await f.expectDenied(
    c,
    `${BACKUP_ROLE} creates in public`,
    login(c, BACKUP_ROLE, 'CREATE TABLE public.intruder (id int)'),
    'permission denied for schema public',
  );
}

/** The manifests name the expected admin, database and roles, and the database is its owner's. */
async function checkOwnership(c: Cluster, f: Findings): Promise<void> {
  f.expect(
    c,
    c.admin === c.expected.admin && c.database === c.expected.database,
    `POSTGRES_USER/POSTGRES_DB are ${c.admin}/${c.database}, not ${c.expected.admin}/${c.expected.database}`,
  );
  const roles = [...c.passwords.keys()].sort().join(', ');
  // The exporter's and the backup's roles are there when metrics and backups are on.
  const side = [EXPORTER_ROLE, BACKUP_ROLE].filter((r) => c.passwords.has(r));
  const owner = c.expected.owner ?? c.admin;
  const expected = [...new Set([c.expected.admin, owner, ...Object.keys(c.expected.services), ...side])].sort().join(', ');
  f.expect(c, roles === expected, `the role password files are ${roles}, not ${expected}`);
  const found = await login(c, c.admin, 'SELECT datdba::regrole FROM pg_database WHERE datname = current_database()');
  f.expect(c, found === owner, `database ${c.database} is owned by ${found}, not ${owner}`);
}

/** The role that owns the database, when not the admin: it creates, fills and drops its tables in public, and nothing beyond. */
export async function checkOwner(c: Cluster, f: Findings): Promise<void> {
  const owner = c.expected.owner;
  if (owner === undefined) return;
  const made = await login(
    c,
    owner,
    `CREATE TABLE public.verify_owned (id serial PRIMARY KEY, note text);
     INSERT INTO verify_owned (note) VALUES ('x');
     SELECT relowner::regrole || ' ' || (SELECT count(*) FROM verify_owned) FROM pg_class WHERE oid = 'verify_owned'::regclass;
     DROP TABLE verify_owned;`,
  ).catch((e: Error) => e.message);
  f.permissions++;
  f.expect(c, made === `${owner} 1`, `${owner} cannot create, fill and drop a table in public: ${made}`);
  await f.expectDenied(c, `${owner} creates a role`, login(c, owner, 'CREATE ROLE verify_sneaky'), 'permission denied to create role');
  await f.expectDenied(
    c,
    `${owner} creates a database`,
    login(c, owner, 'CREATE DATABASE verify_sneaky'),
    'permission denied to create database',
  );
  await f.expectDenied(
    c,
    `${owner} runs a program through COPY`,
    login(c, owner, `COPY (SELECT 1) TO PROGRAM 'id'`),
    'to COPY to or from an external program',
  );
}

/**
 * Least privilege, from the manifests: every role whose Secret a Deployment's or a (Cron)Job's pods
 * read is neither superuser nor CREATEROLE, CREATEDB or BYPASSRLS, and none reads the admin's
 * Secret (only the Postgres StatefulSet does). Secrets are matched to roles by the StatefulSet's
 * password files. Returns the roles checked.
 */
async function checkLeastPrivilege(c: Cluster, f: Findings, objects: any[], roleOfSecret: Map<string, string>): Promise<number> {
  const adminSecrets = [...roleOfSecret].filter(([, role]) => role === c.admin).map(([secret]) => secret);
  const used = new Set<string>();
  for (const o of objects) {
    const pod =
      o.kind === 'Deployment' || o.kind === 'Job'
        ? o.spec.template.spec
        : o.kind === 'CronJob'
          ? o.spec.jobTemplate.spec.template.spec
          : undefined;
    if (!pod) continue;
    for (const secret of secretsReadBy(pod)) {
      f.expect(c, !adminSecrets.includes(secret), `${o.kind} ${o.metadata.name} reads the admin's Secret ${secret}`);
      const role = roleOfSecret.get(secret);
      if (role !== undefined) used.add(role);
    }
  }
  f.expect(c, used.size > 0, "no Deployment or job reads a database role's Secret: nothing to check");
  for (const role of used) {
    const flags = await login(c, c.admin, `SELECT ${POWERS} FROM pg_roles WHERE rolname = '${role}'`);
    f.permissions++;
    f.expect(c, flags === NO_POWERS, `${role}, used by the workloads, has ${ROLE_POWERS.join(',')} = ${flags}`);
  }
  return used.size;
}

/** The expected extensions exist, the absent ones do not. */
export async function checkExtensions(c: Cluster, f: Findings): Promise<void> {
  const names = (await login(c, c.admin, 'SELECT extname FROM pg_extension')).split('\n');
  for (const name of c.expected.extensions) f.expect(c, names.includes(name), `extension ${name} is missing`);
  for (const name of c.expected.absentExtensions) f.expect(c, !names.includes(name), `extension ${name} exists`);
}

/** Each service role: its schema first on its search_path, where its unqualified tables land. */
export async function checkOwnSchemas(c: Cluster, f: Findings): Promise<void> {
  for (const [role, schema] of Object.entries(c.expected.services)) {
    const searchPath = await login(c, role, 'SHOW search_path');
    f.expect(c, searchPath.split(',')[0].trim() === schema, `${role} logs in with search_path ${searchPath}, not ${schema} first`);
    const sql = `CREATE TABLE verify_items (id int PRIMARY KEY, added_by text DEFAULT current_user);
      INSERT INTO verify_items (id) VALUES (1);
      SELECT relnamespace::regnamespace || ' ' || relowner::regrole || ' ' || (SELECT added_by FROM verify_items)
        FROM pg_class WHERE oid = 'verify_items'::regclass`;
    const found = await login(c, role, sql).catch((e: Error) => e.message);
    f.permissions++;
    f.expect(c, found === `${schema} ${role} ${role}`, `${role} cannot create, insert and select in ${schema}: ${found}`);
  }
}

/** Each service role is denied the other schemas, CREATE in public, and creating roles and databases. */
export async function checkDenials(c: Cluster, f: Findings): Promise<void> {
  for (const [role, schema] of Object.entries(c.expected.services)) {
    for (const other of Object.values(c.expected.services).filter((s) => s !== schema)) {
      await f.expectDenied(
        c,
        `${role} reads ${other}`,
        login(c, role, `SELECT * FROM ${other}.verify_items`),
        `permission denied for schema ${other}`,
      );
      await f.expectDenied(
        c,
        `${role} creates in ${other}`,
        login(c, role, `CREATE TABLE ${other}.intruder (id int)`),
        `permission denied for schema ${other}`,
      );
    }
    await f.expectDenied(
      c,
      `${role} creates in public`,
      login(c, role, 'CREATE TABLE public.intruder (id int)'),
      'permission denied for schema public',
    );
    await f.expectDenied(c, `${role} creates a role`, login(c, role, 'CREATE ROLE verify_sneaky'), 'permission denied to create role');
    await f.expectDenied(
      c,
      `${role} creates a database`,
      login(c, role, 'CREATE DATABASE verify_sneaky'),
      'permission denied to create database',
    );
  }
}

/** Where PUBLIC has no CONNECT, a login role granted nothing cannot connect. */
export async function checkClosedToPublic(c: Cluster, f: Findings): Promise<void> {
  if (!c.expected.closedToPublic) return;
  const outsider = { role: 'verify_outsider', password: crypto.randomBytes(12).toString('hex') };
  await login(c, c.admin, `CREATE ROLE ${outsider.role} LOGIN PASSWORD '${outsider.password}'`);
  try {
    await f.expectDenied(
      c,
      'a role granted nothing connects',
      login(c, outsider.role, 'SELECT 1', outsider.password),
      `permission denied for database "${c.database}"`,
    );
  } finally {
    await login(c, c.admin, `DROP ROLE ${outsider.role}`);
  }
}

/** A deterministic vector(384), as SQL, for row i moved by noise. */
function embeddingSql(i: string, noise = 0): string {
  return `(SELECT array_agg(sin(${i} * 12.9898 + j * 78.233) + ${noise} * cos(j) ORDER BY j) FROM generate_series(0, 383) j)::vector`;
}

/** SQL that makes a table of 300 deterministic vector(384) rows with an HNSW index <table>_hnsw. */
function embeddingsSql(table: string): string {
  return `CREATE TABLE ${table} (id int PRIMARY KEY, embedding vector(384) NOT NULL);
    INSERT INTO ${table} SELECT i, ${embeddingSql('i')} FROM generate_series(1, 300) i;
    CREATE INDEX ${table}_hnsw ON ${table} USING hnsw (embedding vector_l2_ops);`;
}

/** The vector role, after setup (SQL), finds the nearest rows of table through its HNSW index. */
async function checkNearest(c: Cluster, f: Findings, table: string, setup = ''): Promise<void> {
  const query = `SELECT id FROM ${table} ORDER BY embedding <-> ${embeddingSql('123', 0.01)} LIMIT 3`;
  const sql = `${setup}
    SET enable_seqscan = off;
    EXPLAIN (COSTS OFF) ${query};
    SELECT 'nearest ' || string_agg(id::text, ',') FROM (${query}) n;`;
  const out = await login(c, c.expected.vectorRole, sql).catch((e: Error) => e.message);
  f.searches++;
  f.expect(
    c,
    out.includes(`Index Scan using ${table}_hnsw`),
    `${c.expected.vectorRole}: the nearest-neighbour query on ${table} does not use the HNSW index:\n${out}`,
  );
  f.expect(
    c,
    /^nearest 123,/m.test(out),
    `${c.expected.vectorRole}: row 123 of ${table} is not the nearest to itself moved a little:\n${out}`,
  );
}

/** The vector role stores vector(384) rows and finds the nearest through an HNSW index. */
export function checkVectorSearch(c: Cluster, f: Findings): Promise<void> {
  return checkNearest(c, f, 'verify_embeddings', embeddingsSql('verify_embeddings'));
}

/** What the init files manage, as JSON: roles, memberships, schemas, databases, role settings, extensions (not the password salts). */
const SNAPSHOT = `SELECT json_build_object(
  'roles', (SELECT json_agg(r ORDER BY rolname) FROM (SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,
            rolreplication, rolbypassrls, rolconnlimit, rolvaliduntil FROM pg_roles) r),
  'members', (SELECT json_agg(m ORDER BY role, member) FROM (SELECT roleid::regrole::text AS role, member::regrole::text AS member,
            admin_option FROM pg_auth_members) m),
  'schemas', (SELECT json_agg(n ORDER BY nspname) FROM (SELECT nspname, nspowner::regrole::text AS owner, nspacl::text AS acl
            FROM pg_namespace) n),
  'databases', (SELECT json_agg(d ORDER BY datname) FROM (SELECT datname, datdba::regrole::text AS owner, datacl::text AS acl
            FROM pg_database) d),
  'settings', (SELECT json_agg(s ORDER BY role, db) FROM (SELECT setrole::regrole::text AS role, coalesce(d.datname, '') AS db,
            setconfig::text AS config FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase) s),
  'extensions', (SELECT json_agg(e ORDER BY extname) FROM (SELECT extname, extversion, extnamespace::regnamespace::text AS schema
            FROM pg_extension) e))`;

/** The rows of one snapshot list that are not in the other, or '' when none. */
function changes(before: unknown[] | null, after: unknown[] | null): string {
  const [b, a] = [(before ?? []).map((r) => JSON.stringify(r)), (after ?? []).map((r) => JSON.stringify(r))];
  const gone = b.filter((r) => !a.includes(r));
  const added = a.filter((r) => !b.includes(r));
  return gone.length + added.length === 0 ? '' : `${gone.join(', ') || 'nothing'} became ${added.join(', ') || 'nothing'}`;
}

/** The SNAPSHOT of c, parsed. */
export async function snapshot(c: Cluster): Promise<Record<string, unknown[] | null>> {
  return JSON.parse(await login(c, c.admin, SNAPSHOT));
}

/** Records what differs between two snapshots, as changed by what. */
export function expectUnchanged(
  c: Cluster,
  f: Findings,
  what: string,
  before: Record<string, unknown[] | null>,
  after: Record<string, unknown[] | null>,
): void {
  for (const key of Object.keys(before))
    f.expect(c, changes(before[key], after[key]) === '', `${what} changes ${key}: ${changes(before[key], after[key])}`);
}

/** The system's migration script, on a database already in today's shape, exits 0 and changes nothing. */
async function checkMigrationIsNoOp(c: Cluster, f: Findings): Promise<void> {
  if (!c.expected.migration) return;
  const before = await snapshot(c);
  const error = await refusal(c.host.user.run('bash', [path.join(c.initEnv.INITDB_DIR, c.expected.migration.script)], { env: c.initEnv }));
  f.expect(c, error === undefined, `${c.expected.migration.script} fails on a database made today: ${error}`);
  expectUnchanged(c, f, `${c.expected.migration.script} on a database made today`, before, await snapshot(c));
}

/** The app's objects of a seed-era database, made by the seed's superuser as the app did: every kind the migration moves. */
const SEED_ERA_APP = `CREATE TYPE mood AS ENUM ('calm', 'busy');
  CREATE DOMAIN positive AS int CHECK (VALUE > 0);
  CREATE TABLE memories (id bigserial PRIMARY KEY, body text NOT NULL, mood mood, weight positive, embedding vector(3));
  CREATE INDEX memories_hnsw ON memories USING hnsw (embedding vector_l2_ops);
  CREATE TABLE events (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
  CREATE SEQUENCE free_seq;
  CREATE VIEW recent AS SELECT id, body FROM memories ORDER BY id DESC LIMIT 10;
  CREATE MATERIALIZED VIEW counts AS SELECT mood, count(*) FROM memories GROUP BY mood;
  CREATE FUNCTION add_memory(t text) RETURNS bigint LANGUAGE sql
    AS $$ INSERT INTO memories (body, mood, weight, embedding) VALUES (t, 'calm', 1, '[1,1,1]') RETURNING id $$;
  CREATE SCHEMA archive;
  CREATE TABLE archive.old (id int);
  CREATE TABLE logs (at date NOT NULL, line text) PARTITION BY RANGE (at);
  CREATE TABLE logs_2025 PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
  CREATE TABLE logs_2026 PARTITION OF logs FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  INSERT INTO logs SELECT date '2025-06-01' + i, 'line ' || i FROM generate_series(1, 400) i;
  SELECT lo_from_bytea(424242, 'a large object');
  INSERT INTO memories (body, mood, weight, embedding)
    SELECT 'memory ' || i, CASE WHEN i % 2 = 0 THEN 'calm' ELSE 'busy' END::mood, i, ARRAY[i, i * 2, i * 3]::vector
      FROM generate_series(1, 500) i;
  INSERT INTO events (note) SELECT 'event ' || i FROM generate_series(1, 50) i;`;

/** What the admin still owns in the app's schemas (not the extensions' objects), one line each. */
const LEFT_TO_ADMIN = `SELECT string_agg(what, ', ') FROM (
    SELECT 'relation ' || c.oid::regclass AS what FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relowner = 10 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
       AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
    UNION ALL
    SELECT 'routine ' || p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.proowner = 10 AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'type ' || t.oid::regtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE t.typowner = 10 AND t.typtype IN ('e', 'd') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
       AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
    UNION ALL
    SELECT 'schema ' || nspname FROM pg_namespace WHERE nspowner = 10 AND nspname = 'archive'
    UNION ALL
    SELECT 'large object ' || oid FROM pg_largeobject_metadata WHERE lomowner = 10) left_over`;

/**
 * A database made the seed's way (the seed's superuser as POSTGRES_USER, owning the database and
 * every object the app made, the side roles made by it), then the system's migration script run
 * twice in today's pod, as the README says. After it: the bootstrap superuser is the admin and
 * logs in with the admin's password; the owner owns the database and every app object, logs in
 * with its password, is no superuser, and still reads and writes everything; the data is
 * unchanged; the second run changes nothing.
 */
async function checkMigration(
  host: Host,
  objects: any[],
  found: { container: any; volumes: any[] },
  system: string,
  dir: string,
  f: Findings,
) {
  const expected = SYSTEMS.find((s) => s.name === system)!.database;
  const { script, seedAdmin } = expected.migration!;
  const owner = expected.owner ?? expected.admin;
  fs.mkdirSync(dir, { mode: 0o711 });
  const pod = new Pod(objects, found.container, found.volumes, dir, host.user);
  const port = await freePort();
  const env = pod.env();
  const initEnv = { ...env, PATH: `${host.bin}:${process.env.PATH}`, PGHOST: pod.local(SOCKET_MOUNT), PGPORT: String(port) };
  const seedEra = { POSTGRES_USER: seedAdmin, POSTGRES_PASSWORD_FILE: path.join(path.dirname(env.POSTGRES_PASSWORD_FILE), seedAdmin) };
  // The seed-era init: pgvector and the side roles, made by the seed's superuser.
  const seedInit = path.join(dir, 'seed-init');
  fs.mkdirSync(seedInit, { mode: 0o755 });
  writeMounted(path.join(seedInit, '00-vector.sql'), 'CREATE EXTENSION IF NOT EXISTS vector;\n', 0o444);
  for (const file of fs.readdirSync(path.join(REPO, 'sql', 'common')))
    writeMounted(path.join(seedInit, file), fs.readFileSync(path.join(REPO, 'sql', 'common', file), 'utf8'), 0o444);
  const seed: Cluster = {
    system: `${system} (seed-era database)`,
    expected,
    host,
    port,
    admin: seedAdmin,
    database: env.POSTGRES_DB,
    passwords: pod.passwords,
    secrets: pod.secrets,
    initEnv: { ...initEnv, ...seedEra, INITDB_DIR: seedInit },
    dir,
  };
  const today: Cluster = { ...seed, admin: expected.admin, initEnv: { ...initEnv, INITDB_DIR: pod.local(INITDB_MOUNT) } };
  const stop = await startServer(host, pod, port, seedEra);
  try {
    await createDatabase(seed);
    await runInitFiles(seed);
    await login(seed, seedAdmin, SEED_ERA_APP);
    const before = await checksums(seed);
    const migrate = () => host.user.run('bash', [path.join(today.initEnv.INITDB_DIR, script)], { env: today.initEnv });
    const error = await refusal(migrate());
    f.expect(seed, error === undefined, `${script} fails: ${error}`);
    if (error !== undefined) return;
    const once = await snapshot(today);
    const again = await refusal(migrate());
    f.expect(seed, again === undefined, `${script} fails when run a second time: ${again}`);
    expectUnchanged(seed, f, `a second run of ${script}`, once, await snapshot(today));

    const bootstrap = await login(today, expected.admin, "SELECT rolname || ' ' || rolsuper FROM pg_roles WHERE oid = 10").catch(printed);
    f.expect(seed, bootstrap === `${expected.admin} true`, `the bootstrap superuser is "${bootstrap}", not ${expected.admin}`);
    const flags = await login(
      today,
      owner,
      `SELECT ${POWERS} || ' ' ||
              (SELECT datdba::regrole FROM pg_database WHERE datname = current_database()) FROM pg_roles WHERE rolname = current_user`,
    ).catch(printed);
    f.expect(seed, flags === `${NO_POWERS} ${owner}`, `${owner} after the migration: ${ROLE_POWERS.join(',')} owner = ${flags}`);
    const left = await login(today, expected.admin, LEFT_TO_ADMIN);
    f.expect(seed, left === '', `still owned by ${expected.admin}: ${left}`);
    const helper = await login(today, expected.admin, `SELECT string_agg(rolname, ', ') FROM pg_roles WHERE rolname LIKE '%migration%'`);
    f.expect(seed, helper === '', `the migration's helper role is left: ${helper}`);
    const after = await checksums(today);
    for (const table of new Set([...before.keys(), ...after.keys()]))
      f.expect(seed, before.get(table) === after.get(table), `table ${table}: ${before.get(table)} before, ${after.get(table)} after`);
    const works = await login(
      today,
      owner,
      `SELECT add_memory('after the migration') > 500; INSERT INTO events (note) VALUES ('after'); SELECT nextval('free_seq');
       REFRESH MATERIALIZED VIEW counts; DROP TABLE archive.old; SELECT count(*) FROM recent;
       INSERT INTO logs VALUES ('2026-03-01', 'after'); SELECT count(*) FROM logs; SELECT encode(lo_get(424242), 'escape');`,
    ).catch(printed);
    f.permissions++;
    f.expect(seed, works === 't\n1\n10\n401\na large object', `${owner} cannot use its objects after the migration: ${works}`);
    await f.expectDenied(
      seed,
      `${owner} runs a program through COPY after the migration`,
      login(today, owner, `COPY (SELECT 1) TO PROGRAM 'id'`),
      'to COPY to or from an external program',
    );
    f.migrations++;
  } finally {
    await stop();
  }
}

/** kubectl for npm run rotate: `exec … -- psql …` runs that psql against this server over TCP as the admin; the rest succeeds. */
const FAKE_KUBECTL = `#!${process.execPath}
const { spawnSync } = require('child_process');
const argv = process.argv.slice(2);
if (argv[0] === 'config') { process.stdout.write('verify-postgres\\n'); process.exit(0); }
const i = argv.indexOf('--');
if (argv.includes('exec') && argv[i + 1] === 'psql') {
  const run = spawnSync(process.env.VERIFY_PSQL, argv.slice(i + 2), { stdio: 'inherit' });
  process.exit(run.status === null ? 1 : run.status);
}
if (argv.includes('-f') && argv.includes('-')) require('fs').readFileSync(0);
process.exit(0);
`;

/**
 * npm run rotate, end to end on this server: the config in external mode (so nothing in dist/ is
 * written), an env file with the role's current password, rotate --apply through a kubectl whose
 * `exec … psql` reaches this server. Then the old password is refused and the env file's new one
 * logs in; every other line of the env file is unchanged.
 */
async function checkRotation(c: Cluster, f: Findings): Promise<void> {
  const role = Object.keys(c.expected.services)[0] ?? c.expected.owner;
  if (!role) return;
  const system = SYSTEMS.find((s) => s.name === c.system)!;
  const dir = path.join(c.dir, 'rotate');
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'bin', 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
  // prod's config in external mode: the same roles and Secrets, and no sealing or synth to do.
  fs.mkdirSync(path.join(dir, 'config'));
  const prod = fs.readFileSync(path.join(REPO, 'config', `${ENV}.yaml`), 'utf8').replace(/^( *mode:) sealed/m, '$1 external');
  fs.writeFileSync(path.join(dir, 'config', `${ENV}.yaml`), prod);
  const config = loadEnvironment(path.join(dir, 'config'), ENV);
  const envFile = path.join(dir, `${ENV}.env`);
  const { values } = ensureEnvFile(envFile, system.secrets(sectionOf(config, system)));
  const spec = system.secrets(sectionOf(config, system)).find((s) => (s.data.username as { literal?: string })?.literal === role)!;
  const key = (spec.data.password as { generated: string }).generated;
  fs.writeFileSync(envFile, fs.readFileSync(envFile, 'utf8').replace(`${key}=${values[key]}`, `${key}=${c.passwords.get(role)}`));
  const before = fs.readFileSync(envFile, 'utf8');
  const args = ['--import', 'tsx', path.join(REPO, 'scripts', 'rotate.ts'), ENV, c.system, role, '--apply'];
  const error = await refusal(
    exec(process.execPath, [...args, '--config', path.join(dir, 'config'), '--secrets-file', envFile], {
      cwd: REPO,
      env: {
        ...process.env,
        ...overTcp(c),
        PATH: `${path.join(dir, 'bin')}:${c.host.bin}:${process.env.PATH}`,
        VERIFY_PSQL: path.join(c.host.bin, 'psql'),
        PGUSER: c.admin,
        PGPASSWORD: c.passwords.get(c.admin)!,
        PGSSLMODE: 'disable',
      },
    }),
  );
  f.expect(c, error === undefined, `npm run rotate -- ${ENV} ${c.system} ${role} --apply fails: ${error}`);
  if (error !== undefined) return;
  const after = fs.readFileSync(envFile, 'utf8');
  const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
  f.expect(
    c,
    changed.length === 1 && changed[0].startsWith(`${key}=`),
    `rotate changed ${changed.length} lines of the env file, not ${key}'s alone`,
  );
  const fresh = readEnvFile(envFile)[key];
  await f.expectRefused(
    c,
    `${role} with its password from before the rotation`,
    login(c, role, 'SELECT 1'),
    'password authentication failed',
  );
  const who = await login(c, role, 'SELECT current_user', fresh).catch(printed);
  f.expect(c, who === role, `${role} cannot log in with its rotated password: ${who}`);
  c.passwords.set(role, fresh);
  f.rotations++;
}

/** A second run of the init files exits 0, changes nothing, and every role still logs in. */
async function checkRerun(c: Cluster, f: Findings): Promise<void> {
  const before = await snapshot(c);
  const error = await refusal(runInitFiles(c));
  f.expect(c, error === undefined, `a second run of the init files fails: ${error}`);
  expectUnchanged(c, f, 'a second run', before, await snapshot(c));
  const logins = await checkLogins(c, f);
  f.expect(c, logins === c.passwords.size, 'not every role logs in after the second run');
  if (error === undefined) f.reruns++;
}

// ---------------------------------------------------------------------------------------------
// Backup and restore, for real

/**
 * SQL that makes a table of 300 deterministic rows of mixed types: quotes, a backslash,
 * Unicode, control characters, JSON, times, NULLs.
 */
function rowsSql(table: string): string {
  return `CREATE TABLE ${table} (id int PRIMARY KEY, label text NOT NULL, doc jsonb, at timestamptz, amount numeric);
    INSERT INTO ${table} SELECT i, format('%s #%s: ''q'' "dq" \\ é 密码 🔑', current_user, i) || chr(10) || chr(9),
        jsonb_build_object('i', i, 'square', i * i, 'odd', i % 2 = 1), timestamptz '2024-01-01 00:00+00' + i * interval '37 minutes',
        CASE WHEN i % 7 <> 0 THEN i * 1.25 END
      FROM generate_series(1, 300) i;`;
}

/** The round trip's tables, each made by its role in its own schema: rows for each service role, vectors for the vector role. */
function roundTripTables(c: Cluster): Array<{ role: string; table: string; sql: string }> {
  const rows = Object.keys(c.expected.services).map((role) => ({ role, table: 'verify_backup', sql: rowsSql('verify_backup') }));
  return [...rows, { role: c.expected.vectorRole, table: 'verify_backup_vectors', sql: embeddingsSql('verify_backup_vectors') }];
}

/** SQL: what a role sees of its table, its row count and owner. */
function readBack(table: string): string {
  return `SELECT count(*) || ' rows, owned by ' || (SELECT relowner::regrole FROM pg_class WHERE oid = '${table}'::regclass)
    FROM ${table};`;
}

/** Every table of the database, as the admin sees it: its name → its row count and the md5 of its rows in order. */
async function checksums(c: Cluster): Promise<Map<string, string>> {
  const sql = `SELECT format('SELECT %L, count(*), md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) FROM %s t',
        oid::regclass, ',', '', oid::regclass)
    FROM pg_class WHERE relkind = 'r'
      AND relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) ORDER BY 1 \\gexec`;
  const rows = (await login(c, c.admin, sql)).split('\n').map((line) => line.split('|'));
  return new Map(rows.map(([table, count, md5]) => [table, `${count} rows, md5 ${md5}`]));
}

/**
 * The backup container's environment, pointed at this server and folder: its secretKeyRefs read
 * from the postgres pod's Secret files, and its mounts laid out here (a Secret volume's items
 * written as files of the server user's, /tmp a folder of its own), with every env value under a
 * mount moved to where that mount is here.
 */
function backupEnv(c: Cluster, { container, volumes }: { container: any; volumes: any[] }, folder: string): Record<string, string> {
  const mounts: Array<[string, string]> = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.find((v) => v.name === mount.name) ?? {};
    const dir = volume.persistentVolumeClaim ? folder : path.join(c.dir, `backup-${mount.name}`);
    if (dir !== folder) {
      fs.mkdirSync(dir, { recursive: true });
      for (const item of volume.secret?.items ?? []) {
        const value = c.secrets.get(`${volume.secret.secretName}/${item.key}`);
        if (value === undefined)
          throw new Error(
            `the backup mounts key ${item.key} of Secret ${volume.secret.secretName}, which the postgres container does not mount`,
          );
        fs.writeFileSync(path.join(dir, item.path), value);
        giveTo(c.host.user, path.join(dir, item.path), 0o400);
      }
      giveTo(c.host.user, dir, 0o700);
    }
    mounts.push([mount.mountPath, dir]);
  }
  const local = (value: string) => {
    const found = mounts.find(([mount]) => value === mount || value.startsWith(`${mount}/`));
    return found ? found[1] + value.slice(found[0].length) : value;
  };
  const env: Record<string, string> = {};
  for (const { name, value, valueFrom } of container.env ?? []) {
    const ref = valueFrom?.secretKeyRef;
    const secret = ref && c.secrets.get(`${ref.name}/${ref.key}`);
    if (ref && secret === undefined)
      throw new Error(`the backup's ${name} is key ${ref.key} of Secret ${ref.name}, which the postgres container does not mount`);
    env[name] = secret ?? local(value);
  }
  return { ...env, ...overTcp(c), BACKUP_DIR: folder };
}

/** A dump's name, as the backup names it: <database>-<YYYYmmddTHHMMSSZ>.dump. */
function dumpName(database: string, time: Date): string {
  return `${database}-${time.toISOString().replace(/[-:]|\.\d+/g, '')}.dump`;
}

/**
 * The backup CronJob's command, to the letter, as the server user, into a folder of the server
 * user's that holds KEEP older dumps: afterwards its new dump and the KEEP - 1 newest older ones
 * remain, nothing else, and the new one is a custom-format archive. Returns its path, or
 * undefined after a finding.
 */
async function runBackup(c: Cluster, f: Findings, found: { container: any; volumes: any[] }): Promise<string | undefined> {
  const problems = f.problems.length;
  const folder = path.join(c.dir, 'backups');
  fs.mkdirSync(folder);
  giveTo(c.host.user, folder, 0o700);
  const env = backupEnv(c, found, folder);
  const keep = Number(env.KEEP);
  f.expect(c, Number.isInteger(keep) && keep > 0, `the backup's KEEP is ${env.KEEP}, not a positive integer`);
  const older = Array.from({ length: keep || 0 }, (_, i) => dumpName(env.PGDATABASE, new Date(Date.now() - (i + 1) * 86_400_000)));
  for (const name of older) {
    fs.writeFileSync(path.join(folder, name), 'an older dump\n');
    giveTo(c.host.user, path.join(folder, name), 0o600);
  }
  const [command, ...args] = found.container.command;
  const error = await refusal(c.host.user.run(command, args, { env }));
  f.expect(c, error === undefined, `the backup's command fails: ${error}`);
  if (error !== undefined) return undefined;
  const left = fs.readdirSync(folder).sort().reverse();
  const [newest = 'no dump'] = left;
  const isNew = !older.includes(newest) && new RegExp(`^${env.PGDATABASE}-\\d{8}T\\d{6}Z\\.dump$`).test(newest);
  const expected = [newest, ...older.slice(0, keep - 1)];
  f.expect(
    c,
    isNew && left.join() === expected.join(),
    `after the backup (KEEP=${keep}) the folder holds ${left.join(', ') || 'nothing'}; ` +
      `expected its new dump and the ${keep - 1} newest older ones, nothing else`,
  );
  const dump = path.join(folder, newest);
  const list = await c.host.user.run('pg_restore', ['--list', dump], { env }).catch(printed);
  f.expect(c, list.includes('Format: CUSTOM'), `${newest} is not a custom-format archive: ${list}`);
  f.keeps.add(keep);
  return f.problems.length === problems ? dump : undefined;
}

/**
 * Backup and restore for real: each role fills a table in its own schema, the backup CronJob's
 * command dumps the database, which is dropped and made again as on a fresh cluster (the image's
 * CREATE DATABASE, then the init files); the documented restore must bring back every table with
 * the same rows, each role's table still its own, the same roles, schemas, owners and grants, and
 * the HNSW search.
 */
async function checkBackupRestore(c: Cluster, f: Findings, found?: { container: any; volumes: any[] }): Promise<void> {
  if (!found) return f.expect(c, false, 'no backup CronJob (a CronJob container that sets BACKUP_DIR)');
  const tables = roundTripTables(c);
  const seen: string[] = [];
  for (const { role, table, sql } of tables) seen.push(await login(c, role, `${sql}\n${readBack(table)}`));
  const [before, catalog] = [await checksums(c), await snapshot(c)];
  const made = await runBackup(c, f, found);
  if (made === undefined) return;
  // As after a dead node: the dump restored is the one fetched back from the off-node copy, when prod makes one.
  const fetched = await throughOffsite(c.system, made, path.join(c.dir, 'offsite')).catch((e: Error) => {
    f.expect(c, false, `the dump through the off-node copy: ${e.message}`);
    return null;
  });
  if (fetched === null) return;
  if (fetched) {
    f.expect(c, fs.readFileSync(fetched).equals(fs.readFileSync(made)), 'the dump fetched back from the off-node copy differs');
    fs.chmodSync(path.dirname(path.dirname(fetched)), 0o711);
    fs.chmodSync(path.dirname(fetched), 0o711);
    giveTo(c.host.user, fetched, 0o600);
    f.offsite++;
  }
  const dump = fetched ?? made;
  await login(c, c.admin, `DROP DATABASE "${c.database}" WITH (FORCE)`, undefined, 'postgres');
  await createDatabase(c);
  await runInitFiles(c);
  const [command, ...args] = restoreArgs(c.database, c.admin, dump);
  const error = await refusal(c.host.user.run(command, args, { env: { ...overTcp(c), PGPASSWORD: c.passwords.get(c.admin)! } }));
  f.expect(
    c,
    error === undefined,
    `the documented restore (${restoreArgs(c.database, c.admin).join(' ')}) fails on a fresh database: ${error}`,
  );
  if (error !== undefined) return;
  expectUnchanged(c, f, 'the backup and restore', catalog, await snapshot(c));
  const after = await checksums(c);
  for (const table of new Set([...before.keys(), ...after.keys()])) {
    f.expect(
      c,
      before.get(table) === after.get(table),
      `table ${table}: ${before.get(table) ?? 'missing'} before the backup, ${after.get(table) ?? 'missing'} after the restore`,
    );
  }
  for (const [i, { role, table }] of tables.entries()) {
    const now = await login(c, role, readBack(table)).catch(printed);
    f.expect(c, now === seen[i], `${role} reads its ${table} as "${now}" after the restore, not "${seen[i]}"`);
  }
  await checkNearest(c, f, 'verify_backup_vectors');
  f.roundTrips++;
  f.tables += before.size;
  f.rows += [...before.values()].reduce((sum, v) => sum + parseInt(v, 10), 0);
}

// ---------------------------------------------------------------------------------------------

/** One system: its pod laid out in dir, its server started, the init files run, every promise checked, the server stopped. */
async function verifySystem(system: string, host: Host, dir: string, f: Findings): Promise<void> {
  const objects = manifests(system);
  const found = containerWith(objects, 'StatefulSet', 'POSTGRES_USER');
  const expected = SYSTEMS.find((s) => s.name === system)?.database;
  if (!found && !expected) return; // a system without a database
  if (!found) throw new Error('no StatefulSet container sets POSTGRES_USER');
  if (!expected) throw new Error('no expectations for its database: give its SystemDefinition a `database`');
  fs.mkdirSync(dir, { mode: 0o711 });
  const pod = new Pod(objects, found.container, found.volumes, dir, host.user);
  const port = await freePort();
  const env = pod.env();
  const initEnv = {
    ...env,
    PATH: `${host.bin}:${process.env.PATH}`,
    PGHOST: pod.local(SOCKET_MOUNT),
    PGPORT: String(port),
    INITDB_DIR: pod.local(INITDB_MOUNT),
  };
  const c: Cluster = {
    system,
    expected,
    host,
    port,
    admin: env.POSTGRES_USER,
    database: env.POSTGRES_DB ?? env.POSTGRES_USER,
    passwords: pod.passwords,
    secrets: pod.secrets,
    initEnv,
    dir,
  };
  const stop = await startServer(host, pod, port);
  try {
    f.servers++;
    await createDatabase(c);
    await runInitFiles(c);
    f.logins += await checkLogins(c, f);
    await checkOwnership(c, f);
    await checkOwner(c, f);
    f.workloadRoles += await checkLeastPrivilege(c, f, objects, pod.roleOfSecret);
    await checkExtensions(c, f);
    await checkOwnSchemas(c, f);
    await checkDenials(c, f);
    await checkClosedToPublic(c, f);
    await checkVectorSearch(c, f);
    await checkBackupRole(c, f);
    await checkRerun(c, f);
    await checkMigrationIsNoOp(c, f);
    await checkBackupRestore(c, f, containerWith(objects, 'CronJob', 'KEEP'));
    await checkRotation(c, f); // last: the pod's password file still holds the old value
  } finally {
    await stop();
  }
  if (expected.migration) await checkMigration(host, objects, found, system, `${dir}-migration`, f);
}

export const postgres: Check = {
  name: 'postgres',
  description:
    'the init files of every system on a real PostgreSQL + pgvector server, with logins over TCP, and a backup/restore round trip',
  run: () =>
    withTempDir('verify-postgres-', async (root) => {
      const host = await prepareHost(root);
      const f = new Findings();
      const folders = fs.readdirSync(path.join(REPO, 'dist', ENV), { withFileTypes: true }).filter((d) => d.isDirectory());
      for (const name of new Set([...SYSTEMS.map((s) => s.name), ...folders.map((d) => d.name)])) {
        await verifySystem(name, host, path.join(root, name), f).catch((error: Error) => f.problems.push(`${name}: ${error.message}`));
      }
      if (f.problems.length > 0) throw new Error(f.problems.join('\n'));
      return (
        `${f.servers} servers, ${f.logins} roles logged in over TCP with scram-sha-256 (wrong passwords refused), ` +
        `${f.permissions} permission checks, ${f.workloadRoles} workload roles none superuser/CREATEROLE/CREATEDB/BYPASSRLS/REPLICATION ` +
        `and no workload reading an admin's Secret, ${f.migrations} seed-era database migrated (twice, idempotent), ` +
        `${f.rotations} roles rotated by npm run rotate (old password refused, new one accepted), ` +
        `${f.searches} HNSW searches, ${f.reruns} idempotent re-runs, ` +
        `${f.roundTrips} backup/restore round trips (${f.offsite} through the off-node copy; ` +
        `${f.tables} tables, ${f.rows} rows, checksums equal, ` +
        `keep=${[...f.keeps].join('/')} enforced)`
      );
    }),
};
