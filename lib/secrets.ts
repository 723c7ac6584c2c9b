/**
 * The Secrets a system needs, described once: their names, types and keys, and where each
 * value comes from. Workloads reference them by name; `npm run secrets` fills them from the
 * gitignored secrets/<env>.env, generating the random ones the first time.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Where one key of a Secret gets its value. */
export type SecretValue =
  /** A fixed, non-secret value from the configuration (a user name). */
  | { readonly literal: string }
  /** A random value generated once and kept in the env file. */
  | { readonly generated: string }
  /** A value only the user can give (an OAuth client); kept in the env file. When optional and empty, the key is left out of the Secret. */
  | { readonly provided: string; readonly hint: string; readonly optional?: boolean }
  /** A value computed from other env-file values (a connection URL). */
  | { readonly derived: (env: EnvValues) => string };

export interface SecretSpec {
  readonly name: string;
  readonly namespace: string;
  readonly type: 'Opaque' | 'kubernetes.io/basic-auth';
  readonly labels: Record<string, string>;
  readonly data: Record<string, SecretValue>;
}

export type EnvValues = Readonly<Record<string, string>>;

/**
 * The Secret of a database role: "booksync_auth" has "db-booksync-auth". A role ending in "_"
 * would give a name ending in "-", which Kubernetes refuses: it gets a short hash of the role instead.
 */
export function roleSecretName(role: string): string {
  const name = `db-${role.replace(/_/g, '-')}`;
  return name.endsWith('-') ? `${name}${createHash('sha256').update(role).digest('hex').slice(0, 8)}` : name;
}

/** postgres_exporter's monitoring role (sql/common/90-metrics-role.sh). */
export const EXPORTER_ROLE = 'postgres_exporter';

/** The nightly pg_dump's read-only role (sql/common/91-backup-role.sh): pg_read_all_data, never the superuser. */
export const BACKUP_ROLE = 'postgres_backup';

/** A basic-auth Secret for a database role, with any further keys (its DATABASE_URL). */
export function roleSecret(
  base: Pick<SecretSpec, 'namespace' | 'labels'>,
  name: string,
  username: string,
  passwordKey: string,
  extra: Record<string, SecretValue> = {},
): SecretSpec {
  return {
    ...base,
    name,
    type: 'kubernetes.io/basic-auth',
    data: { username: { literal: username }, password: { generated: passwordKey }, ...extra },
  };
}

/**
 * A connection URL kept whole in a role's Secret: the password is percent-encoded here,
 * so any password a user sets gives a valid URL (Kubernetes' $(VAR) expansion would not encode it).
 */
export function databaseUrl(scheme: string, role: string, passwordKey: string, hostAndPort: string, database: string): SecretValue {
  return { derived: (env) => `${scheme}://${role}:${encodeURIComponent(env[passwordKey] ?? '')}@${hostAndPort}/${database}` };
}

/** The env-file keys that the specs read, in order, without repeats. */
export function envKeys(specs: SecretSpec[]): Array<{ key: string; generated: boolean; hint?: string; optional?: boolean }> {
  const seen = new Map<string, { key: string; generated: boolean; hint?: string; optional?: boolean }>();
  for (const spec of specs) {
    for (const value of Object.values(spec.data)) {
      if ('generated' in value && !seen.has(value.generated)) seen.set(value.generated, { key: value.generated, generated: true });
      if ('provided' in value && !seen.has(value.provided))
        seen.set(value.provided, { key: value.provided, generated: false, hint: value.hint, optional: value.optional });
    }
  }
  return [...seen.values()];
}

/** A fresh random secret: 32 bytes, URL-safe base64 (43 characters). */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** Reads KEY=VALUE lines; blank lines and # comments are skipped; a BOM and Windows line ends are taken as they come. */
export function parseEnvFile(text: string, source: string): Record<string, string> {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '' || line.trimStart().startsWith('#')) return;
      const match = ENV_LINE.exec(line);
      if (!match) {
        // Name the key if the line starts with one, but never print the rest: it may be a secret.
        const key = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*[:=\s]/.exec(line)?.[1];
        throw new Error(
          `${source}:${i + 1}: expected KEY=VALUE${key ? ` for ${key}` : ''}, with no "export" and no space around "=" ` +
            '(the line is not shown: it may hold a secret): fix or delete the line',
        );
      }
      if (match[1] in values) throw new Error(`${source}:${i + 1}: ${match[1]} is set twice: keep one line`);
      values[match[1]] = match[2];
    });
  return values;
}

/**
 * Makes sure the env file holds every key the specs need (and `extraRandom` keys): generates
 * the missing random ones and leaves empty lines for the ones the user gives. The file is the
 * user's too: what is in it stays byte for byte, new keys are appended, and a file that lacks
 * nothing is not written at all. Returns the values, the keys still empty, the ones generated
 * now, and the file's keys that nothing reads (kept, but likely misspelt).
 */
export function ensureEnvFile(
  file: string,
  specs: SecretSpec[],
  extraRandom: string[] = [],
): { values: Record<string, string>; empty: string[]; generated: string[]; unknown: string[]; exposed: boolean } {
  const text = readEnvText(file);
  const existing = text === undefined ? {} : parseEnvFile(text, file);
  const values: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, existing);
  const generatedNow: string[] = [];
  const added: string[] = [];
  const wanted = [...envKeys(specs), ...extraRandom.map((key) => ({ key, generated: true, hint: undefined }))];
  for (const { key, generated, hint } of wanted) {
    if (key in values) continue;
    values[key] = generated ? randomSecret() : '';
    if (generated) generatedNow.push(key);
    if (hint) added.push(`# ${hint}`);
    added.push(`${key}=${values[key]}`);
  }
  const lines = added.map((line) => `${line}\n`).join('');
  if (text === undefined) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, ENV_FILE_HEADER + lines, { mode: 0o600, flag: 'wx' });
  } else if (added.length > 0) {
    // Appended in place: the file keeps its owner, mode, links and every byte it had.
    fs.appendFileSync(file, (text === '' || text.endsWith('\n') ? '' : '\n') + lines);
  }
  const unknown = Object.keys(existing).filter((k) => !wanted.some((w) => w.key === k));
  const empty = envKeys(specs)
    .filter((k) => !k.optional && values[k.key] === '')
    .map((k) => k.key);
  // The user's file keeps the mode they gave it; one others can read is worth saying.
  const exposed = (fs.statSync(file).mode & 0o077) !== 0;
  return { values, empty, generated: generatedNow, unknown, exposed };
}

/** The text of an env file, undefined when there is none; anything but a readable file there is refused. */
function readEnvText(file: string): string | undefined {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return undefined;
  if (stat.isDirectory()) throw new Error(`${file}: is a folder, not an env file: give the path of a file`);
  if (!stat.isFile()) throw new Error(`${file}: is not a regular file: give the path of an env file`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code}): check its permissions`);
  }
}

/** The values of an env file ({} when there is none). */
export function readEnvFile(file: string): Record<string, string> {
  const text = readEnvText(file);
  return text === undefined ? {} : parseEnvFile(text, file);
}

const ENV_FILE_HEADER = '# Secret values for this environment. Never commit this file (it is gitignored).\n\n';

/** The value of every key of a Secret (an optional value that is empty is left out). */
export function resolveSecretData(spec: SecretSpec, env: EnvValues): Record<string, string> {
  return Object.fromEntries(
    Object.entries(spec.data).flatMap(([key, value]): Array<[string, string]> => {
      if ('provided' in value && value.optional && !env[value.provided]) return [];
      if ('literal' in value) return [[key, value.literal]];
      if ('generated' in value) return [[key, env[value.generated] ?? '']];
      if ('provided' in value) return [[key, env[value.provided] ?? '']];
      return [[key, value.derived(env)]];
    }),
  );
}

/** The Secret as a Kubernetes manifest, values base64-encoded. */
export function secretManifest(spec: SecretSpec, env: EnvValues): object {
  const data = resolveSecretData(spec, env);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels },
    type: spec.type,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  };
}

/**
 * Gives one key of an env file a new value (a rotation): only that line changes, every other
 * byte stays, and the file is replaced atomically with its mode kept. The key must be there.
 */
export function replaceEnvValue(file: string, key: string, value: string): void {
  const text = readEnvText(file);
  if (text === undefined) throw new Error(`${file}: no such env file: create it with npm run secrets first`);
  parseEnvFile(text, file); // refuses a malformed file before anything is written
  const lines = text.split('\n');
  // As parseEnvFile reads it: a BOM before the first line is not part of its key (and stays in the file).
  const index = lines.findIndex((line, i) => (i === 0 ? line.replace(/^\uFEFF/, '') : line).startsWith(`${key}=`));
  if (index < 0) throw new Error(`${file}: has no ${key}: run npm run secrets first`);
  lines[index] = `${lines[index].startsWith('\uFEFF') ? '\uFEFF' : ''}${key}=${value}${lines[index].endsWith('\r') ? '\r' : ''}`;
  // A link stays a link: the file it points at is the one replaced.
  const target = fs.realpathSync(file);
  const temporary = `${target}.rotating-${process.pid}`;
  fs.writeFileSync(temporary, lines.join('\n'), { mode: fs.statSync(target).mode & 0o777, flag: 'wx' });
  fs.renameSync(temporary, target);
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5802/7677, 4096 iterations, as libpq's
 * PQencryptPasswordConn makes it): ALTER ROLE … PASSWORD takes it as is, so the password itself never
 * reaches the server, nor its log when a statement fails. (The passwords are base64url: SASLprep leaves them.)
 */
export function scramVerifier(password: string, salt = randomBytes(16)): string {
  const salted = pbkdf2Sync(password, salt, 4096, 32, 'sha256');
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const stored = createHash('sha256').update(hmac(salted, 'Client Key')).digest();
  const b64 = (b: Buffer) => b.toString('base64');
  return `SCRAM-SHA-256$4096:${b64(salt)}$${b64(stored)}:${b64(hmac(salted, 'Server Key'))}`;
}
