/**
 * Property-based fuzzing of the whole synth with fast-check, from a fixed seed:
 *  (a) random configurations: whatever the schema accepts synthesizes, and every object
 *      written passes the API server's syntax rules (lib/k8s-validation);
 *  (b) random mutations of the real config/prod.yaml (type swaps, deletions, hostile
 *      strings): `npm run synth` either accepts them and writes valid manifests, or refuses
 *      them with a short message and leaves config/, dist/, sealed/ and secrets/ byte-identical.
 * `npm run verify -- fuzz` runs 500 cases per property and a server-side dry-run apply of a
 * sample of (a) on a real API server; the jest suite runs fewer cases of the same properties.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import * as YAML from 'yaml';
import { SYSTEMS } from '../charts/systems';
import { buildTree, synthCommand } from '../main';
import { ConfigError, parseEnvironment } from '../lib/config';
import { Tree, readTree } from '../lib/dist';
import { outputViolations } from '../lib/output-check';
import { SealedStore, secretId } from '../lib/sealing';
import { Check, REPO } from './check';
import { installCrds, kubectl, startControlPlane } from './control-plane';

/** The seed every run starts from; FUZZ_SEED replays another. Printed with every failure. */
export const SEED = Number(process.env.FUZZ_SEED ?? 20261121);

const label = (max: number) => fc.stringMatching(new RegExp(`^[a-z]([-a-z0-9]{0,${max}}[a-z0-9])?$`));
const subdomain = fc.array(label(8), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
const cpu = fc.oneof(fc.integer({ min: 1, max: 4000 }).map((m) => `${m}m`), fc.constantFrom('1', '2', '0.5', '1.5'));
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/).filter((t) => t !== 'latest');
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const postgresImage = fc.oneof(tag.map((t) => `pgvector/pgvector:${t}`), hex64.map((h) => `registry.home.arpa:5000/pgvector@sha256:${h}`));
const envValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('$(JWT_SECRET_KEY)', '$$(X)', '$', 'a\nb', '---', 'ѕecret', '{{ x }}', '"quoted"', "it's", '#comment', ' '),
  fc.integer(),
  fc.boolean(),
);
const ALL_ZONES = Intl.supportedValuesOf('timeZone');
const cronField = (min: number, max: number, names: string[] = []) =>
  fc.oneof(
    fc.constant('*'),
    fc.integer({ min, max }).map(String),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: max - min + 1 }).map((step) => `*/${step}`),
    ...(names.length > 0 ? [fc.constantFrom(...names), fc.constantFrom(...names.slice(0, 3)).map((n) => `${n}-${names[names.length - 1]}`)] : []),
  );
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const schedule = fc.oneof(
  fc.constantFrom('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'),
  fc.tuple(cronField(0, 59), cronField(0, 23), cronField(1, 31), cronField(1, 12, MONTHS), cronField(0, 6, DAYS)).map((f) => f.join(' ')),
);

/** Optional fields: each present or left to its default. */
const some = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) => fc.record(fields, { requiredKeys: [] });

/** Requests at or below limits, limits at or above the floors: what a user means to write. */
const resources = fc
  .tuple(fc.integer({ min: 10, max: 4000 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 32, max: 4096 }), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([cpuLimit, cpuShare, memLimit, memShare]) => ({
    requests: { cpu: `${Math.max(1, Math.floor(cpuLimit * cpuShare))}m`, memory: `${Math.max(16, Math.floor(memLimit * memShare))}Mi` },
    limits: { cpu: `${cpuLimit}m`, memory: `${memLimit}Mi` },
  }));
const api = (env: Record<string, fc.Arbitrary<unknown>>) =>
  some({ tag, replicas: fc.integer({ min: 0, max: 20 }), resources, env: some(env), internetEgress: fc.boolean() });
const postgres = some({
  image: postgresImage,
  storage: fc.integer({ min: 1, max: 100 }).map((g) => `${g}Gi`),
  resources: fc.record({ cpu, memory: fc.integer({ min: 256, max: 8192 }).map((m) => `${m}Mi`) }),
  maxConnections: fc.integer({ min: 10, max: 1000 }),
  backup: some({
    enabled: fc.boolean(),
    schedule,
    timeZone: fc.constantFrom(...ALL_ZONES),
    keep: fc.integer({ min: 1, max: 365 }),
    storageClass: subdomain,
    size: fc.integer({ min: 1, max: 50 }).map((g) => `${g}Gi`),
  }),
  metrics: some({ enabled: fc.boolean(), scrapeFrom: some({ namespace: label(10), podLabels: fc.dictionary(label(8), label(8), { minKeys: 1, maxKeys: 2 }) }) }),
});

/** A random configuration in the schema's own terms: most are accepted, some refused by a cross-field rule. */
export const configArbitrary = some({
  cluster: some({ arm64: fc.boolean(), storageClass: subdomain, ingressClass: subdomain }),
  secrets: some({ mode: fc.constantFrom('external', 'sealed') }),
  argocd: some({
    namespace: label(10),
    targetRevision: fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/),
    distPath: fc.array(label(6), { maxLength: 3 }).map((p) => p.join('/')),
    project: label(10),
  }),
  booksync: some({
    namespace: label(12),
    database: some({ name: label(10), adminUser: fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/) }),
    postgres,
    images: some({ registry: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,15}(:[0-9]{2,5})?(\/[a-z0-9._-]{1,8}){0,2}$/), tag }),
    apis: some({ auth: api({ JWT_ALGORITHM: envValue, DEBUG: envValue }), data: api({ APP_ENV: envValue }), prediction: api({ EMBEDDING_MODEL: envValue }) }),
    ingress: some({ enabled: fc.boolean(), hosts: some({ auth: subdomain, data: subdomain, prediction: subdomain }) }),
  }),
  mnemolite: some({
    namespace: label(12),
    database: some({ name: label(10), user: fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/) }),
    postgres,
    images: some({ tag }),
    api: api({ ENVIRONMENT: envValue }),
    worker: some({ enabled: fc.boolean(), tag, replicas: fc.integer({ min: 0, max: 5 }), resources, env: some({ ENVIRONMENT: envValue }) }),
    expose: some({ mode: fc.constantFrom('ingress', 'loadBalancer'), host: subdomain, loadBalancerPort: fc.integer({ min: 1, max: 65535 }) }),
  }),
});

/** A sealed-values store with a made-up ciphertext for every Secret of the configuration. */
function fakeStore(raw: unknown): SealedStore {
  const config = parseEnvironment(raw, 'fuzz');
  const secrets: SealedStore['secrets'] = {};
  for (const spec of SYSTEMS.flatMap((s) => s.secrets(config))) {
    secrets[secretId(spec)] = Object.fromEntries(Object.keys(spec.data).map((k) => [k, { fingerprint: 'f', ciphertext: 'QUJD' }]));
  }
  return { certificate: 'sha256:fuzz', secrets };
}

/** A scratch repository: config/<env>.yaml, sealed/<env>.yaml (in sealed mode), an empty secrets/. */
function scratch(dir: string, env: string, raw: unknown, store?: SealedStore): void {
  for (const folder of ['config', 'sealed', 'secrets']) fs.mkdirSync(path.join(dir, folder), { recursive: true });
  fs.writeFileSync(path.join(dir, 'config', `${env}.yaml`), YAML.stringify(raw));
  if (store) fs.writeFileSync(path.join(dir, 'sealed', `${env}.yaml`), YAML.stringify(store));
}

/** The objects of a written tree, parsed back as kubectl reads them (YAML 1.1: an unquoted `on` is a boolean there). */
export function treeObjects(tree: Tree): any[] {
  return [...tree].filter(([file]) => file.endsWith('.yaml')).map(([, text]) => YAML.parse(text, { version: '1.1' }));
}

/** A refusal a user can act on: a few short lines, no stack trace, no "undefined". */
export function shortMessageProblem(message: string): string | undefined {
  const lines = message.split('\n');
  if (lines.length > 12) return `${lines.length} lines`;
  const long = lines.find((l) => l.length > 400);
  if (long) return `a line of ${long.length} characters`;
  if (/^\s+at /m.test(message)) return 'a stack trace';
  if (/\b(undefined|NaN)\b|\[object Object\]/.test(message)) return `"undefined", "NaN" or "[object Object]": ${message}`;
  return undefined;
}

/** What `fn` returns, or undefined when it refuses the input well (a ConfigError with a short message); anything else fails the property. */
function refusedOr<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problem = shortMessageProblem(error.message);
    if (problem) throw new Error(`refused with an unclear message (${problem})`);
    return undefined;
  }
}

export interface FuzzCounts {
  readonly runs: number;
  readonly accepted: number;
  readonly refused: number;
  readonly objects: number;
}

/** Property (a): every accepted random configuration gives objects that pass the API server's rules. */
export function fuzzConfigs(numRuns: number, onAccepted: (tree: Tree) => void = () => {}): FuzzCounts {
  const counts = { runs: 0, accepted: 0, refused: 0, objects: 0 };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-configs-'));
  try {
    fc.assert(
      fc.property(configArbitrary, (raw) => {
        counts.runs++;
        const dir = fs.mkdtempSync(path.join(root, 'case-'));
        try {
          const tree = refusedOr(() => {
            scratch(dir, 'fuzz', raw, (raw as any).secrets?.mode === 'sealed' ? fakeStore(raw) : undefined);
            return buildTree({ configDir: path.join(dir, 'config'), sealedDir: path.join(dir, 'sealed') });
          });
          if (!tree) {
            counts.refused++;
            return;
          }
          const objects = treeObjects(tree);
          const violations = outputViolations(objects);
          if (violations.length > 0) throw new Error(`accepted, but wrote ${violations.map((v) => `${v.object} ${v.field}: ${v.message}`).join('; ')}`);
          counts.accepted++;
          counts.objects += objects.length;
          onAccepted(tree);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { seed: SEED, numRuns, endOnFailure: true },
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return counts;
}

/** Values no field expects: other types, and strings an attacker or a clumsy user types. */
const hostile = fc.oneof(
  fc.constantFrom(null, 0, -1, 1e309, true, [], {}, [1, 2], { a: 1 }, '', ' ', '..', '../..', '/etc/passwd', '$(POSTGRES_PASSWORD)', 'a\nb: c', '---', 'kube-system'),
  fc.constantFrom('ｐｒｏｄ', 'аuth', 'default', 'latest', '0', '1e3', '-', '*', '@every 1h', 'x'.repeat(64), 'x'.repeat(300)),
  fc.constant('y'.repeat(1024 * 1024)),
  fc.string({ maxLength: 20 }),
  fc.integer(),
);

type Mutation = { path: string[]; action: 'delete' | 'set' | 'add'; value?: unknown };

/** Every path of a parsed YAML value, objects and leaves alike. */
function paths(value: unknown, at: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [at];
  return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
}

function mutate(raw: any, m: Mutation): any {
  const copy = structuredClone(raw);
  if (m.path.length === 0) return m.action === 'set' ? m.value : copy;
  const parent = m.path.slice(0, -1).reduce((node: any, key) => (node !== null && typeof node === 'object' ? node[key] : undefined), copy);
  if (parent === null || typeof parent !== 'object') return copy; // an earlier mutation removed the way there
  const key = m.path[m.path.length - 1];
  if (m.action === 'delete') delete parent[key];
  else if (m.action === 'add' && parent[key] !== null && typeof parent[key] === 'object' && !Array.isArray(parent[key])) parent[key]['unexpected-field'] = m.value;
  else parent[key] = m.value;
  return copy;
}

/** Property (b): a mutated config/prod.yaml is either accepted with valid output or refused cleanly, with nothing touched. */
export function fuzzMutations(numRuns: number): FuzzCounts {
  const base = YAML.parse(fs.readFileSync(path.join(REPO, 'config', 'prod.yaml'), 'utf8'));
  const store = YAML.parse(fs.readFileSync(path.join(REPO, 'sealed', 'prod.yaml'), 'utf8'));
  const all = paths(base);
  const mutation = fc.record({
    path: fc.constantFrom(...all),
    action: fc.constantFrom('delete', 'set', 'add'),
    value: hostile,
  }) as fc.Arbitrary<Mutation>;
  const counts = { runs: 0, accepted: 0, refused: 0, objects: 0 };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-mutations-'));
  try {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        counts.runs++;
        const dir = fs.mkdtempSync(path.join(root, 'case-'));
        try {
          scratch(dir, 'prod', mutations.reduce(mutate, base), store);
          fs.writeFileSync(path.join(dir, 'secrets', 'prod.env'), 'KEEP=me\n');
          const before = readTree(dir);
          const at = (f: string) => path.join(dir, f);
          const done = refusedOr(() => synthCommand(['--config', at('config'), '--out', at('dist'), '--sealed', at('sealed')], { log: () => {}, notify: () => {} }) ?? true);
          if (!done) {
            const after = readTree(dir);
            if (after.size !== before.size || [...before].some(([f, c]) => after.get(f) !== c)) throw new Error('refused, but files changed');
            counts.refused++;
            return;
          }
          const written = readTree(at('dist'));
          const outside = [...before].filter(([f, c]) => readTree(dir).get(f) !== c).map(([f]) => f);
          if (outside.length > 0) throw new Error(`accepted, but changed ${outside.join(', ')}`);
          const objects = treeObjects(written);
          const violations = outputViolations(objects);
          if (violations.length > 0) throw new Error(`accepted, but wrote ${violations.map((v) => `${v.object} ${v.field}: ${v.message}`).join('; ')}`);
          counts.accepted++;
          counts.objects += objects.length;
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { seed: SEED, numRuns, endOnFailure: true },
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
  return counts;
}

/** How many of property (a)'s accepted configurations are also dry-run applied on the real API server. */
const DRY_RUN_SAMPLE = 30;

/**
 * Server-side dry-run of sampled objects: Namespaces are created for real (a dry-run of
 * anything inside a namespace needs it to exist), everything is then applied with
 * --dry-run=server and strict validation; any refusal or warning (Pod Security included) is a finding.
 */
async function dryRunAll(samples: Tree[]): Promise<number> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fuzz-dry-run-'));
  const cp = await startControlPlane(root);
  const problems: string[] = [];
  try {
    await installCrds(cp);
    for (const [i, tree] of samples.entries()) {
      // The files exactly as synth wrote them, flattened into one folder (names are unique per env/system).
      const folder = path.join(root, `sample-${i}`);
      fs.mkdirSync(folder);
      for (const [file, text] of tree) if (file.endsWith('.yaml')) fs.writeFileSync(path.join(folder, file.split(path.sep).join('--')), text);
      const objects = treeObjects(tree);
      const namespaces = new Set(objects.map((o) => (o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace)).filter(Boolean));
      for (const ns of namespaces) await kubectl(cp, 'create', 'namespace', ns);
      const r = await kubectl(cp, 'apply', '--server-side', '--dry-run=server', '--validate=strict', '--field-manager=fuzz', '-f', folder);
      if (r.code !== 0) problems.push(`sample ${i}: refused:\n${r.stderr.trim()}`);
      problems.push(...r.warnings.map((w) => `sample ${i}: ${w}`));
    }
  } finally {
    await cp.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
  if (problems.length > 0) throw new Error(`the API server refused what synth accepted (seed ${SEED}):\n${problems.slice(0, 10).join('\n')}`);
  return samples.length;
}

/** Runs a property, naming the seed (and how to replay it) when it fails. */
function withSeed<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new Error(`${name} failed with seed ${SEED} (replay: FUZZ_SEED=${SEED} npm run verify -- fuzz):\n${(error as Error).message}`);
  }
}

export const fuzz: Check = {
  name: 'fuzz',
  description: 'random configurations and mutations of config/prod.yaml: accepted with valid manifests (dry-run on a real API server), or refused cleanly',
  run: async () => {
    const runs = Number(process.env.FUZZ_RUNS ?? 500);
    const samples: Tree[] = [];
    const every = Math.max(1, Math.floor(runs / DRY_RUN_SAMPLE));
    let seen = 0;
    const a = withSeed('random configurations', () => fuzzConfigs(runs, (tree) => void (seen++ % every === 0 && samples.push(tree))));
    const b = withSeed('mutations of config/prod.yaml', () => fuzzMutations(runs));
    const dryRuns = await dryRunAll(samples.slice(0, DRY_RUN_SAMPLE));
    return [
      `seed ${SEED}: ${a.runs} random configs (${a.accepted} accepted, ${a.objects} objects valid; ${a.refused} refused cleanly),`,
      `${b.runs} mutations (${b.accepted} accepted and valid, ${b.refused} refused with files byte-identical),`,
      `${dryRuns} accepted configs dry-run applied on kube-apiserver without a refusal or warning`,
    ].join(' ');
  },
};
