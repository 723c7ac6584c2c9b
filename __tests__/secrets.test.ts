/**
 * npm run secrets: strong random values the first time, the same values after, Secret
 * manifests on stdout; and no value from an env file anywhere in git or dist/.
 */
import { execFile, execFileSync } from 'child_process';
import { SECRETS_HASH } from '../app/secrets-hash';
import { SealedStore, readSealedStore } from '../lib/sealing';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as YAML from 'yaml';
import { ensureEnvFile, parseEnvFile, replaceEnvValue } from '../lib/secrets';
import { readTree } from '../lib/dist';
import { REPO, loadConfig } from './support/synth';
import { allSecrets, synthesizeObjects } from '../app/synth';

const run = promisify(execFile);
const secretsCli = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts', 'secrets.ts'), ...args], { cwd: REPO });

describe('the env file', () => {
  const specs = allSecrets(loadConfig('prod'));
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'env-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('is created with long, distinct random values, readable by its owner only', () => {
    const file = path.join(dir, 'prod.env');
    const { values, generated, empty } = ensureEnvFile(file, specs);
    expect(generated.length).toBeGreaterThanOrEqual(6);
    const randoms = generated.map((k) => values[k]);
    expect(new Set(randoms).size).toBe(randoms.length);
    for (const v of randoms) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(empty).toEqual([
      'BOOKSYNC_MANGACOLLEC_CLIENT_ID',
      'BOOKSYNC_MANGACOLLEC_CLIENT_SECRET',
      'BOOKSYNC_OFFSITE_S3_ACCESS_KEY_ID',
      'BOOKSYNC_OFFSITE_S3_SECRET_ACCESS_KEY',
      'MNEMOLITE_OFFSITE_S3_ACCESS_KEY_ID',
      'MNEMOLITE_OFFSITE_S3_SECRET_ACCESS_KEY',
    ]);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  test('keeps every existing value, including ones the user typed', () => {
    const file = path.join(dir, 'prod.env');
    const first = ensureEnvFile(file, specs).values;
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(/^BOOKSYNC_MANGACOLLEC_CLIENT_ID=$/m, 'BOOKSYNC_MANGACOLLEC_CLIENT_ID=my-client'),
    );
    const second = ensureEnvFile(file, specs);
    expect(second.generated).toEqual([]);
    expect(second.values).toEqual({ ...first, BOOKSYNC_MANGACOLLEC_CLIENT_ID: 'my-client' });
    expect(parseEnvFile(fs.readFileSync(file, 'utf8'), file).BOOKSYNC_MANGACOLLEC_CLIENT_ID).toBe('my-client');
  });

  test('a malformed line is named with its line number', () => {
    expect(() => parseEnvFile('A=1\nnot a pair\n', 'x.env')).toThrow('x.env:2: expected KEY=VALUE');
  });
});

describe('a rotation of one env value', () => {
  test.each([
    ['a plain file', 'A=1\nK=old\n# note\n'],
    ['a BOM before the key, as editors on Windows write it', '\uFEFFK=old\nA=1\n'],
    ['Windows line ends', 'A=1\r\nK=old\r\n'],
  ])('%s: only that line changes, every other byte stays', (_, text) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotate-env-'));
    try {
      const file = path.join(dir, 'x.env');
      fs.writeFileSync(file, text, { mode: 0o600 });
      replaceEnvValue(file, 'K', 'new');
      expect(fs.readFileSync(file, 'utf8')).toBe(text.replace('K=old', 'K=new'));
      expect(parseEnvFile(fs.readFileSync(file, 'utf8'), file).K).toBe('new');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('npm run secrets', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('prints the Namespace, then one Secret per role and app secret, that kubectl can read', async () => {
    const file = path.join(dir, 'prod.env');
    const { stdout, stderr } = await secretsCli('prod', '--file', file);
    const docs = YAML.parseAllDocuments(stdout).map((d) => d.toJS());
    expect(docs.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name)).toEqual(['booksync', 'mnemolite']);
    expect(docs.findIndex((d) => d.kind === 'Secret')).toBeGreaterThan(docs.findLastIndex((d) => d.kind === 'Namespace'));
    const secrets = docs.filter((d) => d.kind === 'Secret');
    const names = (ns: string) =>
      secrets
        .filter((s) => s.metadata.namespace === ns)
        .map((s) => s.metadata.name)
        .sort();
    expect(names('booksync')).toEqual([
      'auth-api-secrets',
      'data-api-secrets',
      'db-booksync-auth',
      'db-booksync-data',
      'db-booksync-prediction',
      'db-postgres',
      'db-postgres-backup',
      'db-postgres-exporter',
      'postgres-offsite',
    ]);
    expect(names('mnemolite')).toEqual([
      'db-mnemo',
      'db-offsite',
      'db-postgres',
      'db-postgres-backup',
      'db-postgres-exporter',
      'mnemo-api-secrets',
    ]);
    // The OpenAI key is optional: left empty, it is left out, and the API runs without it.
    expect(secrets.find((s) => s.metadata.name === 'mnemo-api-secrets').data).toEqual({});
    const env = parseEnvFile(fs.readFileSync(file, 'utf8'), file);
    const auth = secrets.find((s) => s.metadata.name === 'db-booksync-auth');
    expect(auth.type).toBe('kubernetes.io/basic-auth');
    expect(Buffer.from(auth.data.password, 'base64').toString()).toBe(env.BOOKSYNC_DB_AUTH_PASSWORD);
    expect(stderr).toContain('BOOKSYNC_MANGACOLLEC_CLIENT_ID is empty');
    const again = await secretsCli('prod', '--file', file);
    expect(again.stdout).toBe(stdout);
  });

  test('an unknown environment fails with the known ones listed', async () => {
    const failure = await secretsCli('staging', '--file', path.join(dir, 'x.env')).then(
      () => undefined,
      (e) => e,
    );
    expect(failure?.code).toBe(1);
    expect(failure.stderr).toContain('unknown environment "staging"');
    expect(fs.existsSync(path.join(dir, 'x.env'))).toBe(false);
  });
});

describe('no secret value leaks', () => {
  test('no value of any env file in secrets/ (or a fresh one) appears in dist/ or in a file git tracks', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leak-'));
    try {
      const values = new Set<string>();
      const envFiles = fs.existsSync(path.join(REPO, 'secrets'))
        ? fs.readdirSync(path.join(REPO, 'secrets')).map((f) => path.join(REPO, 'secrets', f))
        : [];
      for (const env of ['dev', 'prod']) {
        const fresh = path.join(dir, `${env}.env`);
        ensureEnvFile(fresh, allSecrets(loadConfig(env)));
        envFiles.push(fresh);
      }
      for (const f of envFiles)
        for (const v of Object.values(parseEnvFile(fs.readFileSync(f, 'utf8'), f))) if (v.length >= 8) values.add(v);
      expect(values.size).toBeGreaterThan(0);
      const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
      const texts = new Map<string, string>([...readTree(path.join(REPO, 'dist'))].map(([f, t]) => [`dist/${f}`, t]));
      for (const f of tracked)
        if (fs.existsSync(path.join(REPO, f)) && fs.statSync(path.join(REPO, f)).isFile())
          texts.set(f, fs.readFileSync(path.join(REPO, f), 'latin1'));
      for (const [file, text] of texts) for (const v of values) expect([file, text.includes(v)]).toEqual([file, false]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the sealed-secrets hash on pod templates (npm run rotate rolls exactly the readers)', () => {
  const hashes = (store: SealedStore) =>
    Object.fromEntries(
      [...synthesizeObjects(loadConfig('prod'), store)]
        .flatMap(([, objects]) => objects)
        .filter((o: any) => o.kind === 'Deployment')
        .map((d: any) => [d.metadata.name, d.spec.template.metadata.annotations?.[SECRETS_HASH]]),
    );
  const store = readSealedStore(path.join(REPO, 'sealed', 'prod.yaml'))!;

  test('every Deployment that reads a sealed Secret carries one; the same values give the same hashes', () => {
    const first = hashes(store);
    for (const [name, hash] of Object.entries(first)) expect([name, hash]).toEqual([name, expect.stringMatching(/^[0-9a-f]{64}$/)]);
    expect(hashes(store)).toEqual(first);
  });

  test("a new sealed value of booksync_auth's Secret changes auth-api's hash and no other", () => {
    const before = hashes(store);
    const rotated: SealedStore = structuredClone(store);
    const password = rotated.secrets['booksync/db-booksync-auth'].password;
    rotated.secrets['booksync/db-booksync-auth'].password = { ...password, ciphertext: `${password.ciphertext.slice(0, -4)}AAAA` };
    const after = hashes(rotated);
    const changed = Object.keys(before).filter((name) => before[name] !== after[name]);
    expect(changed).toEqual(['auth-api']);
  });
});
