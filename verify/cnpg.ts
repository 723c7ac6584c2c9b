/**
 * The CloudNativePG engine short of the operator, for each system of dist/ha/ (its committed
 * manifests, read as the operator reads them), on the real PostgreSQL of PyPI's pgserver:
 *
 * 1. The bootstrap and reconcile SQL as the operator runs it (CNPG 1.30, initdb.go and the role
 *    and database controllers): initdb with the superuser `postgres` (data checksums when the
 *    Cluster asks), `CREATE ROLE <owner> LOGIN`, `CREATE DATABASE <db> OWNER <owner>`, the
 *    post-init SQL of its ConfigMap as the superuser in the application database (one
 *    transaction, as the operator's single Exec), the owner's password (its Secret's), then each
 *    DatabaseRole created or altered to its spec with its Secret's password, then the Database's
 *    extensions. Sealed Secrets cannot be read here: every password is a new hostile one. Then
 *    the promises of `verify postgres` that apply: SCRAM logins over TCP (wrong passwords
 *    refused), no role superuser/CREATEROLE/CREATEDB/BYPASSRLS/REPLICATION, each service role in
 *    its own schema and denied the others', PUBLIC kept out where promised, HNSW search, and a
 *    second run of the post-init SQL and of the reconcile changing nothing.
 *
 * 2. Point-in-time recovery with the tool the Barman Cloud plugin runs (barman-cloud 3.19.1, its
 *    sidecar's pin, pip-installed once into a cached venv) against `rclone serve s3` on
 *    127.0.0.1: the ObjectStore's bucket, path, compression and sidecar environment, the
 *    Cluster's serverName, the plugin's own command lines (barman-cloud's Go command builders);
 *    WAL archived by archive_command from the first start, a base backup, row 1, the time noted,
 *    row 2, then barman-cloud-restore into a new data directory and recovery through
 *    barman-cloud-wal-restore to the noted time: row 1 must be there and row 2 not.
 *
 * The server is PostgreSQL 16 with pgvector 0.6 (the image runs 17 with pgvector 0.8). As root,
 * the server and barman run as the system user of `verify postgres`; the pg_hba.conf is
 * CloudNativePG's (the socket for the superuser, SCRAM over TCP for every role). The superuser
 * gets a password for verify's own queries over TCP (the operator leaves it without one).
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readManifests } from '../lib/dist';
import { ensureTool } from '../lib/tools';
import { SYSTEMS } from '../app/registry';
import { Check, REPO, exec, freePort, pipVenv, withTempDir } from './check';
import { Server, startServer as startS3 } from './offsite';
import {
  Cluster,
  Findings,
  Host,
  checkClosedToPublic,
  checkDenials,
  checkExtensions,
  checkLogins,
  checkOwnSchemas,
  checkOwner,
  checkVectorSearch,
  configLines,
  expectUnchanged,
  giveTo,
  hostilePassword,
  login,
  prepareHost,
  printed,
  refusal,
  snapshot,
  NO_POWERS,
  POWERS,
  ROLE_POWERS,
} from './postgres';

const ENV = 'ha';
/** The barman the Barman Cloud plugin v0.14 sidecar pins (containers/sidecar-requirements.in). */
const BARMAN_VERSION = '3.19.1';
const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';
const SUPERUSER = 'postgres';
/** Role names the DatabaseRole CRD refuses. */
const RESERVED_ROLE = /^(postgres|streaming_replica|pg_.*|cnpg_.*)$/;
const BARMAN_TOOLS = [
  'barman-cloud-wal-archive',
  'barman-cloud-backup',
  'barman-cloud-backup-list',
  'barman-cloud-restore',
  'barman-cloud-wal-restore',
];

// ---------------------------------------------------------------------------------------------
// The manifests

/** What the operator reads of one Cluster. */
interface Spec {
  readonly system: string;
  readonly cluster: any;
  readonly initdb: { database: string; owner: string; secret?: { name: string }; dataChecksums?: boolean };
  /** The post-init SQL files, in the operator's order (Secrets first, then ConfigMaps). */
  readonly postInit: string[];
  readonly roles: any[];
  readonly database: any;
  readonly store: any;
  readonly serverName: string;
  readonly scheduled: any[];
}

/** The Cluster of dist/ha/<system> and what it names, or undefined when it has none; problems found on the way. */
function specOf(system: string, problems: string[]): Spec | undefined {
  const objects = readManifests(path.join(REPO, 'dist', ENV, system));
  const clusters = objects.filter((o) => o.kind === 'Cluster' && o.apiVersion === 'postgresql.cnpg.io/v1');
  if (clusters.length === 0) return undefined;
  if (clusters.length > 1) problems.push(`${system}: ${clusters.length} Clusters; verify handles one`);
  const cluster = clusters[0];
  const name = cluster.metadata.name;
  const of = (kind: string) => objects.filter((o) => o.kind === kind && o.spec?.cluster?.name === name);
  const initdb = cluster.spec.bootstrap?.initdb;
  if (!initdb?.database || !initdb?.owner) throw new Error(`Cluster ${name}: bootstrap.initdb has no database and owner`);
  const refs = initdb.postInitApplicationSQLRefs ?? {};
  if ((refs.secretRefs ?? []).length > 0) problems.push(`${system}: post-init SQL in a Secret cannot be read from sealed manifests`);
  const postInit = (refs.configMapRefs ?? []).map((ref: any) => {
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref.name);
    const text = configMap?.data?.[ref.key];
    if (text === undefined)
      throw new Error(`Cluster ${name}: post-init SQL ${ref.name}/${ref.key} is in no ConfigMap (bootstrap would fail)`);
    return text;
  });
  const sealed = (secret: string) => objects.find((o) => o.kind === 'SealedSecret' && o.metadata.name === secret);
  if (initdb.secret) {
    const s = sealed(initdb.secret.name);
    if (!s || s.spec.template?.type !== 'kubernetes.io/basic-auth' || !s.spec.encryptedData?.username || !s.spec.encryptedData?.password)
      problems.push(`${system}: the owner's Secret ${initdb.secret.name} is no basic-auth SealedSecret with username and password`);
  }
  const roles = of('DatabaseRole');
  for (const role of roles) {
    const spec = role.spec;
    if (RESERVED_ROLE.test(spec.name)) problems.push(`${system}: DatabaseRole ${role.metadata.name} names the reserved role ${spec.name}`);
    if (spec.passwordSecret && spec.disablePassword)
      problems.push(`${system}: DatabaseRole ${spec.name} has a password and disablePassword`);
    const s = spec.passwordSecret && sealed(spec.passwordSecret.name);
    if (!s || s.spec.template?.type !== 'kubernetes.io/basic-auth' || !s.spec.encryptedData?.password)
      problems.push(`${system}: DatabaseRole ${spec.name}: its password Secret is no basic-auth SealedSecret with a password`);
    if (spec.name === initdb.owner) problems.push(`${system}: DatabaseRole ${spec.name} is the initdb owner`);
  }
  const databases = of('Database');
  const database = databases.find((d) => d.spec.name === initdb.database);
  if (!database) throw new Error(`Cluster ${name}: no Database object for ${initdb.database}`);
  if (database.spec.owner !== initdb.owner)
    problems.push(`${system}: Database ${initdb.database} is owned by ${database.spec.owner}, initdb's owner is ${initdb.owner}`);
  const plugins = (cluster.spec.plugins ?? []).filter((p: any) => p.name === BARMAN_PLUGIN && p.isWALArchiver);
  if (plugins.length !== 1) throw new Error(`Cluster ${name}: not one WAL-archiving ${BARMAN_PLUGIN} plugin`);
  const { barmanObjectName, serverName = name } = plugins[0].parameters ?? {};
  const store = objects.find((o) => o.kind === 'ObjectStore' && o.metadata.name === barmanObjectName);
  if (!store) throw new Error(`Cluster ${name}: no ObjectStore ${barmanObjectName}`);
  const credentials = store.spec.configuration.s3Credentials ?? {};
  for (const ref of [credentials.accessKeyId, credentials.secretAccessKey]) {
    if (!ref || !sealed(ref.name)?.spec.encryptedData?.[ref.key])
      problems.push(`${system}: ObjectStore ${barmanObjectName} reads key ${ref?.key} of ${ref?.name}, which no SealedSecret holds`);
  }
  const scheduled = of('ScheduledBackup');
  if (!scheduled.some((b) => b.spec.method === 'plugin' && b.spec.pluginConfiguration?.name === BARMAN_PLUGIN))
    problems.push(`${system}: no ScheduledBackup of Cluster ${name} through ${BARMAN_PLUGIN}`);
  return { system, cluster, initdb, postInit, roles, database, store, serverName, scheduled };
}

// ---------------------------------------------------------------------------------------------
// barman-cloud

/** The cached venv with barman[cloud], pip-installed on first use with a Python the server user can run. */
function barmanVenv(pgBin: string): Promise<string> {
  // The system's Python when there is one: pyenv's lives under root's 0700 home, out of the server user's reach.
  // psycopg2 builds against pgserver's libpq (its pg_config first on PATH): gcc and Python's headers needed.
  return pipVenv(`barman[cloud]==${BARMAN_VERSION}`, {
    python: fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3',
    env: { ...process.env, PATH: `${pgBin}:${process.env.PATH}` },
  });
}

/**
 * A folder of the barman-cloud commands the server user can run: wrappers that run the venv's
 * scripts with its Python and pgserver's libpq. As root the venv is copied beside them first
 * (root's home is 0700).
 */
async function barmanBin(host: Host, dir: string): Promise<string> {
  let venv = await barmanVenv(host.bin);
  const python = path.join(venv, 'bin', 'python');
  const reachable = await host.user.run(python, ['-c', 'import psycopg2, boto3']).then(
    () => true,
    () => false,
  );
  if (!reachable) {
    const copy = path.join(dir, 'barman-venv');
    await exec('cp', ['-al', venv, copy]).catch(() => exec('cp', ['-a', venv, copy]));
    venv = copy;
  }
  const bin = path.join(dir, 'barman-bin');
  fs.mkdirSync(bin, { mode: 0o755 });
  const lib = path.resolve(host.bin, '..', 'lib');
  for (const tool of BARMAN_TOOLS) {
    const [python, script] = [path.join(venv, 'bin', 'python'), path.join(venv, 'bin', tool)];
    const wrapper = `#!/bin/sh\nLD_LIBRARY_PATH='${lib}' exec '${python}' '${script}' "$@"\n`;
    fs.writeFileSync(path.join(bin, tool), wrapper, { mode: 0o755 });
  }
  return bin;
}

/** The ObjectStore's configuration, with its endpoint replaced by the local server. */
interface Store {
  readonly destination: string;
  readonly serverName: string;
  readonly endpoint: string;
  readonly walCompression?: string;
  readonly dataCompression?: string;
  readonly jobs?: number;
  /** AWS credentials (random, the server's) and the sidecar's environment. */
  readonly env: Record<string, string>;
}

/** Where every barman-cloud command reads and writes: the store's endpoint, bucket path and server name. */
function storeArgs(s: Store): string[] {
  return ['--endpoint-url', s.endpoint, '--cloud-provider', 'aws-s3', s.destination, s.serverName];
}
/** The options barman-cloud's Go builders give each command (archiver/command.go, backup/backup.go, command/commandbuilder.go). */
function walArchiveArgs(s: Store): string[] {
  return [...(s.walCompression ? [`--${s.walCompression}`] : []), ...storeArgs(s)];
}
function backupArgs(s: Store, name: string): string[] {
  const compression = s.dataCompression ? [`--${s.dataCompression}`] : [];
  return ['--user', SUPERUSER, '--name', name, ...compression, ...(s.jobs ? ['--jobs', String(s.jobs)] : []), ...storeArgs(s)];
}

/** A command line as sh reads it (archive_command, restore_command), each word single-quoted. */
function shell(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_./:%=-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

// ---------------------------------------------------------------------------------------------
// The instance

interface Instance {
  /** pgserver's commands. */
  readonly bin: string;
  readonly pgdata: string;
  readonly socket: string;
  readonly port: number;
  readonly log: string;
  stop(): Promise<void>;
}

/** The environment of the server and of barman: PATH with pgserver's and barman's commands, the object store's credentials. */
function serverEnv(host: Host, barman: string, store: Store): Record<string, string> {
  return { PATH: `${barman}:${host.bin}:${process.env.PATH}`, LC_ALL: 'C', ...store.env };
}

/** The server user's folder in dir (data directories and logs), made on first use. */
function serverDir(host: Host, dir: string): string {
  const folder = path.join(dir, 'server');
  if (!fs.existsSync(folder)) {
    fs.mkdirSync(folder);
    giveTo(host.user, folder, 0o700);
  }
  return folder;
}

/** pg_ctl start of pgdata, stopped (immediate) by the returned stop; the server log in the error. */
async function start(host: Host, env: Record<string, string>, pgdata: string, socket: string, port: number): Promise<Instance> {
  const log = path.join(path.dirname(pgdata), `${path.basename(pgdata)}.log`);
  const pgCtl = path.join(host.bin, 'pg_ctl');
  const stop = () =>
    host.user.run(pgCtl, ['stop', '--pgdata', pgdata, '--mode=immediate'], { env }).then(
      () => undefined,
      () => undefined,
    );
  try {
    await host.user.run(pgCtl, ['start', '--pgdata', pgdata, '--wait', '--timeout=120', `--log=${log}`], { env });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
  }
  return { bin: host.bin, pgdata, socket, port, log, stop };
}

/**
 * initdb as the operator runs it (superuser postgres, UTF8, data checksums when asked),
 * CloudNativePG's pg_hba.conf (the superuser over the socket, SCRAM for everyone over TCP), the
 * Cluster's parameters, WAL archived from the first start by the plugin's barman-cloud-wal-archive.
 */
async function bootstrap(host: Host, spec: Spec, dir: string, env: Record<string, string>, store: Store): Promise<Instance> {
  const pgdata = path.join(serverDir(host, dir), 'pgdata');
  const socket = path.join(dir, 'socket');
  fs.mkdirSync(socket);
  giveTo(host.user, socket, 0o700);
  await host.user.run(
    path.join(host.bin, 'initdb'),
    [
      '--pgdata',
      pgdata,
      `--username=${SUPERUSER}`,
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      ...(spec.initdb.dataChecksums ? ['--data-checksums'] : []),
    ],
    { env },
  );
  fs.writeFileSync(
    path.join(pgdata, 'pg_hba.conf'),
    // CloudNativePG's: `local all all peer map=local` (the postgres user only), `host all all all scram-sha-256`.
    `local all ${SUPERUSER} trust\nhost all all 127.0.0.1/32 scram-sha-256\n`,
  );
  const port = await freePort();
  const parameters = Object.entries<string>(spec.cluster.spec.postgresql?.parameters ?? {});
  const own: Array<[string, string]> = [
    ['listen_addresses', '127.0.0.1'],
    ['port', String(port)],
    ['unix_socket_directories', socket],
    ['password_encryption', 'scram-sha-256'],
    ['fsync', 'off'],
    ['wal_level', 'replica'],
    ['archive_mode', 'on'],
    ['archive_command', `${shell(['barman-cloud-wal-archive', ...walArchiveArgs(store)])} %p`],
  ];
  fs.appendFileSync(path.join(pgdata, 'postgresql.conf'), configLines([...parameters, ...own]));
  return start(host, env, pgdata, socket, port);
}

/** psql as the superuser over the socket, stopping at the first error; its output. */
function superuser(i: Instance, sql: string, database: string, vars: Record<string, string> = {}, file?: string): Promise<string> {
  const args = [
    '--no-psqlrc',
    '--quiet',
    '--no-align',
    '--tuples-only',
    '-v',
    'ON_ERROR_STOP=1',
    '--host',
    i.socket,
    '--port',
    String(i.port),
  ];
  args.push('--username', SUPERUSER, '--dbname', database, ...Object.entries(vars).flatMap(([k, v]) => ['-v', `${k}=${v}`]));
  if (file) args.push('--single-transaction', '--file', file);
  return exec(path.join(i.bin, 'psql'), args, { input: file ? undefined : sql }).then((o) => o.trim());
}

// ---------------------------------------------------------------------------------------------
// The operator's SQL

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** RoleConfiguration's attributes as the role reconciler writes them (roles/postgres.go appendRoleOptions). */
function roleOptions(spec: any): string {
  const flag = (on: boolean | undefined, word: string) => (on ? ` ${word}` : ` NO${word}`);
  return (
    flag(spec.bypassrls, 'BYPASSRLS') +
    flag(spec.createdb, 'CREATEDB') +
    flag(spec.createrole, 'CREATEROLE') +
    flag(spec.inherit ?? true, 'INHERIT') +
    flag(spec.login, 'LOGIN') +
    flag(spec.replication, 'REPLICATION') +
    flag(spec.superuser, 'SUPERUSER') +
    ` CONNECTION LIMIT ${spec.connectionLimit ?? -1}`
  );
}

/** The post-init SQL files, as the superuser in the application database, each in one transaction. */
async function runPostInit(i: Instance, spec: Spec, dir: string, host: Host): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  for (const [n, sql] of spec.postInit.entries()) {
    const file = path.join(dir, `post-init-${n}.sql`);
    fs.writeFileSync(file, sql);
    giveTo(host.user, file, 0o444);
    await superuser(i, '', spec.initdb.database, {}, file);
  }
}

/** Each DatabaseRole created, or altered when it exists, to its spec with its password; then the Database's extensions. */
async function reconcile(i: Instance, spec: Spec, passwords: Map<string, string>): Promise<void> {
  for (const role of spec.roles) {
    const name = role.spec.name;
    const exists = await superuser(i, `SELECT count(*) FROM pg_roles WHERE rolname = :'name'`, 'postgres', { name });
    const password = role.spec.disablePassword ? '' : role.spec.passwordSecret ? ` PASSWORD :'password'` : ' PASSWORD NULL';
    const inRoles = (role.spec.inRoles ?? []).map(quoteIdent).join(', ');
    const sql =
      exists === '1'
        ? `ALTER ROLE ${quoteIdent(name)}${roleOptions(role.spec)}${password};` +
          (inRoles ? `GRANT ${inRoles} TO ${quoteIdent(name)};` : '')
        : `CREATE ROLE ${quoteIdent(name)}${roleOptions(role.spec)}${inRoles ? ` IN ROLE ${inRoles}` : ''}${password};`;
    await superuser(i, sql, 'postgres', { password: passwords.get(name)! });
  }
  for (const extension of spec.database.spec.extensions ?? []) {
    if ((extension.ensure ?? 'present') !== 'present') continue;
    const sql =
      `SET search_path TO "$user", public; CREATE EXTENSION IF NOT EXISTS ${quoteIdent(extension.name)}` +
      (extension.version ? ` VERSION ${quoteIdent(extension.version)}` : '') +
      (extension.schema ? ` SCHEMA ${quoteIdent(extension.schema)}` : '') +
      ';';
    await superuser(i, sql, spec.initdb.database);
  }
}

// ---------------------------------------------------------------------------------------------

interface Counts {
  servers: number;
  reruns: number;
  walSegments: number;
  baseBackups: number;
  recoveries: number;
}

/** The expected roles: the DatabaseRoles are the service roles and the vector role, unless that is the owner. */
async function checkRoles(c: Cluster, f: Findings, spec: Spec): Promise<void> {
  const e = c.expected;
  f.expect(c, spec.initdb.database === e.database, `initdb's database is ${spec.initdb.database}, not ${e.database}`);
  if (e.owner !== undefined) f.expect(c, spec.initdb.owner === e.owner, `initdb's owner is ${spec.initdb.owner}, not ${e.owner}`);
  const roles = spec.roles
    .map((r) => r.spec.name)
    .sort()
    .join(', ');
  const expected = [...new Set([...Object.keys(e.services), e.vectorRole])]
    .filter((r) => r !== spec.initdb.owner)
    .sort()
    .join(', ');
  f.expect(c, roles === expected, `the DatabaseRoles are ${roles || 'none'}, not ${expected || 'none'}`);
  for (const role of spec.roles) f.expect(c, role.spec.login === true, `DatabaseRole ${role.spec.name} cannot log in`);
  const owner = await login(c, c.admin, 'SELECT datdba::regrole FROM pg_database WHERE datname = current_database()');
  f.expect(c, owner === spec.initdb.owner, `database ${c.database} is owned by ${owner}, not ${spec.initdb.owner}`);
  for (const role of c.passwords.keys()) {
    const flags = await login(c, c.admin, `SELECT ${POWERS} FROM pg_roles WHERE rolname = '${role}'`);
    f.permissions++;
    f.expect(c, flags === NO_POWERS, `${role} has ${ROLE_POWERS.join(',')} = ${flags}`);
  }
}

/** The post-init SQL and the operator's reconcile run again change nothing, and every role still logs in. */
async function checkRerun(c: Cluster, f: Findings, i: Instance, spec: Spec, counts: Counts): Promise<void> {
  const before = await snapshot(c);
  const postInit = await refusal(runPostInit(i, spec, path.join(c.dir, 'again'), c.host).then(() => undefined));
  f.expect(c, postInit === undefined, `a second run of the post-init SQL fails: ${postInit}`);
  const again = await refusal(reconcile(i, spec, c.passwords));
  f.expect(c, again === undefined, `a second reconcile of the DatabaseRoles and the Database fails: ${again}`);
  expectUnchanged(c, f, 'a second run of the post-init SQL and the reconcile', before, await snapshot(c));
  f.expect(c, (await checkLogins(c, f)) === c.passwords.size, 'not every role logs in after the second run');
  if (postInit === undefined && again === undefined) counts.reruns++;
}

/** The WAL segments in the object store under the server's folder; problems when one is not compressed as configured. */
function archivedSegments(c: Cluster, root: string, store: Store, f: Findings): number {
  const url = new URL(store.destination);
  const wals = path.join(root, url.host, url.pathname, store.serverName, 'wals');
  if (!fs.existsSync(wals)) return 0;
  const files = fs.readdirSync(wals, { recursive: true, encoding: 'utf8' }).filter((n) => /(^|\/)[0-9A-F]{24}(\.[a-z0-9]+)?$/.test(n));
  for (const name of files) {
    const gz = fs
      .readFileSync(path.join(wals, name))
      .subarray(0, 2)
      .equals(Buffer.from([0x1f, 0x8b]));
    if (store.walCompression === 'gzip')
      f.expect(c, gz && name.endsWith('.gz'), `WAL ${name} is not gzip-compressed as the ObjectStore asks`);
  }
  return files.length;
}

/**
 * The base backup, row 1, the time, row 2, every segment archived; then a new data directory from
 * barman-cloud-restore recovered through barman-cloud-wal-restore to the time: row 1, not row 2.
 */
async function checkPitr(c: Cluster, f: Findings, i: Instance, s3: Server, barman: string, store: Store, counts: Counts) {
  const db = c.database;
  const home = path.join(c.dir, 'home');
  fs.mkdirSync(home);
  giveTo(c.host.user, home, 0o700);
  const env = serverEnv(c.host, barman, store);
  const asServer = (tool: string, args: string[], extra: Record<string, string> = {}) =>
    c.host.user.run(path.join(barman, tool), args, { env: { ...env, HOME: home, ...extra } });
  // Nothing left for the backup's spread checkpoint (the ObjectStore asks no immediateCheckpoint) to pace over minutes.
  await superuser(i, 'CHECKPOINT', db);
  await asServer('barman-cloud-backup', backupArgs(store, `verify-${c.system}`), { PGHOST: i.socket, PGPORT: String(i.port) });
  const list = JSON.parse(await asServer('barman-cloud-backup-list', ['--format', 'json', ...storeArgs(store)]));
  const backups: any[] = list.backups_list ?? [];
  counts.baseBackups += backups.length;
  f.expect(c, backups.length === 1, `barman-cloud-backup-list shows ${backups.length} backups, not 1`);
  if (backups.length === 0) return;
  await superuser(i, 'CREATE TABLE verify_pitr (id int PRIMARY KEY); INSERT INTO verify_pitr VALUES (1);', db);
  const target = await superuser(i, `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`, db);
  await new Promise((r) => setTimeout(r, 1100));
  await superuser(i, 'INSERT INTO verify_pitr VALUES (2);', db);
  const last = await superuser(i, 'SELECT pg_walfile_name(pg_switch_wal())', db);
  let archived = '';
  for (let n = 0; n < 600 && !(archived >= last); n++) {
    await new Promise((r) => setTimeout(r, 100));
    archived = await superuser(i, `SELECT coalesce(last_archived_wal, '') || ' ' || failed_count FROM pg_stat_archiver`, db).then(
      (o) => o.split(' ')[0],
    );
  }
  if (!(archived >= last)) {
    const log = fs.readFileSync(i.log, 'utf8').split('\n').slice(-15).join('\n');
    return f.expect(c, false, `WAL ${last} was not archived within 60 s (last archived: ${archived || 'none'}):\n${log}`);
  }
  await i.stop(); // as after losing the node
  const segments = archivedSegments(c, s3.root, store, f);
  // None found would make the compression check above pass on nothing (a wrong path, another layout).
  f.expect(c, segments > 0, `no WAL segment found in the object store under ${store.serverName}/wals, though ${last} was archived`);
  counts.walSegments += segments;

  const pgdata = path.join(serverDir(c.host, c.dir), 'restored');
  await asServer('barman-cloud-restore', [...storeArgs(store), backups[0].backup_id, pgdata]);
  const port = await freePort();
  const restore = shell(['barman-cloud-wal-restore', ...storeArgs(store)]);
  fs.appendFileSync(
    path.join(pgdata, 'postgresql.auto.conf'),
    configLines([
      ['port', String(port)],
      ['archive_mode', 'off'], // a recovery archiving to the origin's serverName would be refused
      ['restore_command', `${restore} %f %p`],
      ['recovery_target_time', target],
      ['recovery_target_action', 'promote'],
    ]),
  );
  fs.writeFileSync(path.join(pgdata, 'recovery.signal'), '');
  giveTo(c.host.user, path.join(pgdata, 'recovery.signal'), 0o600);
  giveTo(c.host.user, path.join(pgdata, 'postgresql.auto.conf'), 0o600);
  const restored = await start(c.host, env, pgdata, i.socket, port);
  try {
    let inRecovery = 't';
    for (let n = 0; n < 600 && inRecovery === 't'; n++) {
      inRecovery = await superuser(restored, 'SELECT pg_is_in_recovery()', db).catch(() => 't');
      if (inRecovery === 't') await new Promise((r) => setTimeout(r, 100));
    }
    const rows = await superuser(restored, "SELECT string_agg(id::text, ',' ORDER BY id) FROM verify_pitr", db).catch(printed);
    const log = fs.readFileSync(restored.log, 'utf8');
    f.expect(c, inRecovery === 'f', `the restored server is still in recovery after 60 s:\n${log.split('\n').slice(-15).join('\n')}`);
    f.expect(
      c,
      rows === '1',
      `after recovery to ${target} verify_pitr holds "${rows}", not row 1 alone:\n${log.split('\n').slice(-15).join('\n')}`,
    );
    if (inRecovery === 'f' && rows === '1') counts.recoveries++;
  } finally {
    await restored.stop();
  }
}

/** One system: bootstrap, the operator's SQL, the promises, then PITR. */
async function verifySystem(host: Host, spec: Spec, barman: string, root: string, f: Findings, counts: Counts) {
  const expected = SYSTEMS.find((s) => s.name === spec.system)?.database;
  if (!expected) throw new Error('no expectations for its database: give its SystemDefinition a `database`');
  const dir = path.join(root, spec.system);
  fs.mkdirSync(dir, { mode: 0o711 });
  const keys = { accessKeyId: randomBytes(10).toString('hex'), secretAccessKey: randomBytes(20).toString('base64url') };
  const s3 = await startS3(
    ensureTool('rclone', (line) => console.error(line)),
    's3',
    dir,
    keys,
  );
  const config = spec.store.spec.configuration;
  const url = new URL(config.destinationPath);
  fs.mkdirSync(path.join(s3.root, url.host), { recursive: true });
  const sidecar = Object.fromEntries((spec.store.spec.instanceSidecarConfiguration?.env ?? []).map((e: any) => [e.name, e.value]));
  const store: Store = {
    destination: config.destinationPath,
    serverName: spec.serverName,
    endpoint: s3.env.RCLONE_CONFIG_TARGET_ENDPOINT,
    walCompression: config.wal?.compression,
    dataCompression: config.data?.compression,
    jobs: config.data?.jobs,
    env: {
      ...sidecar,
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  };
  const env = serverEnv(host, barman, store);
  const passwords = new Map<string, string>([
    [spec.initdb.owner, hostilePassword()],
    ...spec.roles.map((r): [string, string] => [r.spec.name, hostilePassword()]),
  ]);
  const adminPassword = hostilePassword();
  try {
    const i = await bootstrap(host, spec, dir, env, store);
    counts.servers++;
    try {
      // initdb.go ConfigureNewInstance, then the owner's password (the instance manager's SetUserPassword).
      const owner = spec.initdb.owner;
      await superuser(i, `CREATE ROLE ${quoteIdent(owner)} LOGIN;`, 'postgres');
      await superuser(i, `CREATE DATABASE ${quoteIdent(spec.initdb.database)} OWNER ${quoteIdent(owner)};`, 'postgres');
      await runPostInit(i, spec, dir, host);
      await superuser(i, `ALTER ROLE ${quoteIdent(owner)} WITH PASSWORD :'password';`, 'postgres', { password: passwords.get(owner)! });
      await reconcile(i, spec, passwords);
      await superuser(i, `ALTER ROLE ${SUPERUSER} WITH PASSWORD :'password';`, 'postgres', { password: adminPassword });
      const c: Cluster = {
        system: spec.system,
        expected,
        host,
        port: i.port,
        admin: SUPERUSER,
        database: spec.initdb.database,
        passwords,
        secrets: new Map(),
        initEnv: {},
        dir,
        adminPassword,
      };
      f.logins += await checkLogins(c, f);
      await checkRoles(c, f, spec);
      await checkOwner(c, f);
      await checkExtensions(c, f);
      await checkOwnSchemas(c, f);
      await checkDenials(c, f);
      await checkClosedToPublic(c, f);
      await checkVectorSearch(c, f);
      await checkRerun(c, f, i, spec, counts);
      await checkPitr(c, f, i, s3, barman, store, counts);
    } finally {
      await i.stop();
    }
  } finally {
    await s3.stop();
  }
}

export const cnpg: Check = {
  name: 'cnpg',
  description:
    "the CloudNativePG Clusters of dist/ha: the operator's bootstrap and role SQL on a real PostgreSQL with SCRAM logins, " +
    'and point-in-time recovery with barman-cloud against S3 on 127.0.0.1',
  run: () =>
    withTempDir('verify-cnpg-', async (root) => {
      const problems: string[] = [];
      const specs = SYSTEMS.map((s) => specOf(s.name, problems)).filter((s): s is Spec => s !== undefined);
      if (specs.length === 0) throw new Error(`no CloudNativePG Cluster in dist/${ENV}`);
      // Two Clusters archiving to the same folder would mix their WAL (the plugin refuses a non-empty archive).
      const folders = specs.map((s) => `${s.store.spec.configuration.destinationPath.replace(/\/$/, '')}/${s.serverName}`);
      for (const [n, folder] of folders.entries())
        if (folders.indexOf(folder) !== n)
          problems.push(`${specs[n].system}: archives to ${folder}, as ${specs[folders.indexOf(folder)].system} does`);
      const host = await prepareHost(root);
      const barman = await barmanBin(host, root);
      const f = new Findings();
      const counts: Counts = { servers: 0, reruns: 0, walSegments: 0, baseBackups: 0, recoveries: 0 };
      for (const spec of specs) {
        await verifySystem(host, spec, barman, root, f, counts).catch((error: Error) =>
          f.problems.push(`${spec.system}: ${error.message}`),
        );
      }
      problems.push(...f.problems);
      if (problems.length > 0) throw new Error(problems.join('\n'));
      return (
        `${counts.servers} clusters bootstrapped as the operator does, ${f.logins} roles logged in over TCP with scram-sha-256 ` +
        `(wrong passwords refused), ${f.permissions} permission checks, ${f.searches} HNSW searches, ${counts.reruns} idempotent re-runs ` +
        `of the post-init SQL and reconcile; barman-cloud ${BARMAN_VERSION}: ${counts.walSegments} WAL segments archived, ` +
        `${counts.baseBackups} base backups, ${counts.recoveries}/${specs.length} point-in-time recoveries with row 1 and without row 2`
      );
    }),
};
