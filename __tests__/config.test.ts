/**
 * Bad configuration gets a clear message naming the field, a non-zero exit and an
 * untouched dist/; good configuration synthesizes deterministically; the committed
 * config/schema.json and dist/ are what the code produces.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import * as YAML from 'yaml';
import { OUTPUT_MARKER, readTree } from '../lib/dist';
import { CONFIG_DIR, ENVIRONMENTS, REPO } from './support/synth';
import { configJsonSchema, parseEnvironment } from '../app/environment';
import { buildTree } from '../app/synth';
import { ConfigError } from '../lib/errors';
import { KUSTOMIZATION } from '../lib/manifests';

const run = promisify(execFile);

/** [what is wrong, the config, the field the message must name, words the message must contain] */
const BAD: Array<[string, unknown, string, string]> = [
  [
    'a string for a number',
    { booksync: { apis: { auth: { replicas: 'two' } } } },
    'booksync.apis.auth.replicas',
    'expected number, received string',
  ],
  ['negative replicas', { booksync: { apis: { data: { replicas: -1 } } } }, 'booksync.apis.data.replicas', '>=0'],
  ['an unknown field', { booksync: { postgress: {} } }, 'booksync', 'unknown field "postgress"'],
  ['an unknown env var', { booksync: { apis: { auth: { env: { JWT_ALGO: 'HS512' } } } } }, 'booksync.apis.auth.env', 'JWT_ALGO'],
  [
    'an unparseable memory',
    { booksync: { postgres: { resources: { cpu: '1', memory: 'lots' } } } },
    'booksync.postgres.resources.memory',
    'memory quantity',
  ],
  [
    'an unparseable cpu',
    { booksync: { apis: { auth: { resources: { requests: { cpu: '1 core', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } } } } } },
    'booksync.apis.auth.resources.requests.cpu',
    'CPU quantity',
  ],
  [
    'a request above its limit',
    { booksync: { apis: { auth: { resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } } } } } },
    'booksync.apis.auth.resources.requests.cpu',
    'above the limit',
  ],
  [
    'a Postgres too small for its settings',
    { booksync: { postgres: { resources: { cpu: '1', memory: '128Mi' } } } },
    'booksync.postgres.resources.memory',
    'at least 256Mi',
  ],
  ['a latest tag', { booksync: { images: { registry: 'ghcr.io/me', tag: 'latest' } } }, 'booksync.images.tag', 'pin a release tag'],
  ['an unpinned Postgres image', { booksync: { postgres: { image: 'pgvector/pgvector' } } }, 'booksync.postgres.image', 'with a tag'],
  [
    'duplicate Ingress hosts',
    { booksync: { ingress: { enabled: true, hosts: { auth: 'api.home.arpa', data: 'api.home.arpa' } } } },
    'booksync.ingress.hosts.data',
    'already served by booksync.ingress.hosts.auth',
  ],
  ['an invalid host', { booksync: { ingress: { hosts: { auth: 'https://Auth.example' } } } }, 'booksync.ingress.hosts.auth', 'DNS name'],
  ['an invalid namespace', { booksync: { namespace: 'Book_Sync' } }, 'booksync.namespace', 'DNS label'],
  ['a wrong type for a switch', { cluster: { arm64: 'yes' } }, 'cluster.arm64', 'expected boolean, received string'],
  [
    'a database volume too small to be one',
    { mnemolite: { postgres: { storage: '100Mi' } } },
    'mnemolite.postgres.storage',
    'at least 1Gi',
  ],
];

describe('bad configuration', () => {
  test.each(BAD)('%s is refused with a message naming the field', (_, raw, field, words) => {
    let error: unknown;
    try {
      parseEnvironment(raw, 'config/test.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(`config/test.yaml: ${field}`);
    expect(message).toContain(words);
  });
});

describe('good configuration', () => {
  test('a section given in part keeps the defaults of the rest', () => {
    const config = parseEnvironment({ booksync: { images: { tag: '1.0.1' } } }, 'test');
    expect(config.booksync.images).toEqual({ registry: 'registry.home.arpa:5000', tag: '1.0.1' });
  });

  test('Argo CD may clone over SSH', () => {
    expect(parseEnvironment({ argocd: { repoURL: 'git@git.home.arpa:homelab/pi-gitops.git' } }, 'test').argocd.repoURL).toBe(
      'git@git.home.arpa:homelab/pi-gitops.git',
    );
  });
});

describe('npm run synth', () => {
  const tsx = ['--import', 'tsx', path.join(REPO, 'main.ts')];
  let work: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    fs.cpSync(CONFIG_DIR, path.join(work, 'config'), { recursive: true });
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const synth = (...args: string[]) =>
    run(process.execPath, [...tsx, '--config', path.join(work, 'config'), '--out', path.join(work, 'dist'), ...args], { cwd: REPO });

  test('writes dist/<env>/<system>/ with a kustomization listing every file', async () => {
    await synth();
    const tree = readTree(path.join(work, 'dist'));
    for (const env of ENVIRONMENTS) {
      const kustomization = YAML.parse(tree.get(path.join(env, 'booksync', KUSTOMIZATION))!);
      const files = [...tree.keys()].filter((f) => path.dirname(f) === path.join(env, 'booksync')).map((f) => path.basename(f));
      expect([...kustomization.resources, KUSTOMIZATION].sort()).toEqual(files.sort());
      expect(kustomization.resources[0]).toMatch(/^00-namespace-/);
    }
  });

  test.each([
    ['a wrong type', 'booksync:\n  apis:\n    auth:\n      replicas: many\n', 'booksync.apis.auth.replicas'],
    ['an unknown field', 'booksync:\n  replica: 2\n', 'unknown field "replica"'],
    ['negative replicas', 'booksync:\n  apis:\n    data:\n      replicas: -3\n', 'booksync.apis.data.replicas'],
    ['an unparseable quantity', 'booksync:\n  postgres:\n    storage: ten gigs\n', 'booksync.postgres.storage'],
    ['broken YAML', 'booksync: [\n', 'not valid YAML'],
  ])('%s: exit 1, one message naming it, dist/ byte-identical', async (_, yaml, expected) => {
    await synth();
    const before = readTree(path.join(work, 'dist'));
    fs.writeFileSync(path.join(work, 'config', 'prod.yaml'), yaml);
    const failure = await synth().then(
      () => undefined,
      (e) => e,
    );
    expect(failure?.code).toBe(1);
    expect(failure.stderr).toContain('prod.yaml');
    expect(failure.stderr).toContain(expected);
    expect(failure.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(readTree(path.join(work, 'dist'))).toEqual(before);
  });

  test('an unknown environment: exit 1, the known ones listed, dist/ untouched', async () => {
    await synth();
    const before = readTree(path.join(work, 'dist'));
    const failure = await synth('--env', 'staging').then(
      () => undefined,
      (e) => e,
    );
    expect(failure?.code).toBe(1);
    expect(failure.stderr).toContain('unknown environment "staging"');
    expect(failure.stderr).toContain('dev, ha, prod');
    expect(readTree(path.join(work, 'dist'))).toEqual(before);
  });

  test('two synths in a row write byte-identical files', async () => {
    await synth();
    const first = readTree(path.join(work, 'dist'));
    await synth();
    expect(readTree(path.join(work, 'dist'))).toEqual(first);
  });
});

describe('committed files are current', () => {
  test('config/schema.json is the schema of the code (npm run schema)', () => {
    expect(JSON.parse(fs.readFileSync(path.join(CONFIG_DIR, 'schema.json'), 'utf8'))).toEqual(configJsonSchema());
  });

  test('dist/ is what a fresh synth writes (npm run synth, then commit dist/)', () => {
    const fresh = buildTree({ configDir: CONFIG_DIR, sealedDir: path.join(REPO, 'sealed') });
    const committed = readTree(path.join(REPO, 'dist'));
    committed.delete(OUTPUT_MARKER);
    expect([...committed.keys()]).toEqual([...fresh.keys()]);
    for (const [file, content] of fresh) expect([file, committed.get(file)]).toEqual([file, content]);
  });
});
