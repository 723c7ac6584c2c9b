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
import { Tree, readTree } from '../lib/dist';
import { outputViolations } from '../lib/output-check';
import { SealedStore, secretId } from '../lib/sealing';
import { SYSTEMS } from '../app/registry';
import { SystemDefinition } from '../charts/system';
import { label, some, subdomain } from './arbitraries';
import { Check, REPO } from './check';
import { installCrds, kubectl, startControlPlane } from './control-plane';
import { parseEnvironment } from '../app/environment';
import { allSecrets, buildTree, synthCommand } from '../app/synth';
import { ConfigError } from '../lib/errors';

/** The seed every run starts from; FUZZ_SEED replays another. Printed with every failure. */
export const SEED = Number(process.env.FUZZ_SEED ?? 20261121);

/** A random configuration in the schema's own terms: most are accepted, some refused by a cross-field rule. */
export function configArbitrary(systems: readonly SystemDefinition[] = SYSTEMS): fc.Arbitrary<Record<string, unknown>> {
  const sections = Object.fromEntries(systems.map((s) => [s.name, systemArbitrary(s)]));
  return some({
    cluster: some({ arm64: fc.boolean(), storageClass: subdomain, ingressClass: subdomain, tls: some({ issuer: subdomain }) }),
    secrets: some({ mode: fc.constantFrom('external', 'sealed') }),
    argocd: some({
      namespace: label(10),
      targetRevision: fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,20}[A-Za-z0-9])?$/),
      distPath: fc.array(label(6), { maxLength: 3 }).map((p) => p.join('/')),
      project: label(10),
    }),
    ...sections,
  });
}

/** A system's section: from its folder's fuzz.ts when it has one, else left to the defaults. */
function systemArbitrary(system: SystemDefinition): fc.Arbitrary<unknown> {
  const file = path.join(system.dir, 'fuzz.ts');
  if (!fs.existsSync(file) && !fs.existsSync(file.replace(/\.ts$/, '.js'))) return fc.constant({});
  // A system's fuzz.ts is optional and only verify loads it: a dynamic require by convention.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(system.dir, 'fuzz')) as { sectionArbitrary: fc.Arbitrary<unknown> }).sectionArbitrary;
}

/** A sealed-values store with a made-up ciphertext for every Secret of the configuration. */
function fakeStore(raw: unknown, systems: readonly SystemDefinition[]): SealedStore {
  const config = parseEnvironment(raw, 'fuzz', systems);
  const secrets: SealedStore['secrets'] = {};
  for (const spec of allSecrets(config, systems)) {
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

/**
 * What `fn` returns, or undefined when it refuses the input well (a ConfigError with a short
 * message); anything else fails the property.
 */
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
/**
 * Runs a property over `numRuns` cases, each in a fresh scratch folder removed afterwards. `tryCase`
 * returns the tree it wrote when the input was accepted, or undefined when it was refused well (a
 * ConfigError with a short message, checked by refusedOr); every accepted tree must pass the API
 * server's rules. Counts both.
 */
function runCases<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  tryCase: (value: T, dir: string) => Tree | undefined,
): FuzzCounts {
  const counts = { runs: 0, accepted: 0, refused: 0, objects: 0 };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `fuzz-${name}-`));
  try {
    fc.assert(
      fc.property(arbitrary, (value) => {
        counts.runs++;
        const dir = fs.mkdtempSync(path.join(root, 'case-'));
        try {
          const tree = tryCase(value, dir);
          if (!tree) {
            counts.refused++;
            return;
          }
          const objects = treeObjects(tree);
          const violations = outputViolations(objects);
          if (violations.length > 0)
            throw new Error(`accepted, but wrote ${violations.map((v) => `${v.object} ${v.field}: ${v.message}`).join('; ')}`);
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

/** Property (a): every accepted random configuration gives objects that pass the API server's rules. */
export function fuzzConfigs(
  numRuns: number,
  onAccepted: (tree: Tree) => void = () => {},
  systems: readonly SystemDefinition[] = SYSTEMS,
): FuzzCounts {
  return runCases('configs', configArbitrary(systems), numRuns, (raw, dir) => {
    const tree = refusedOr(() => {
      scratch(dir, 'fuzz', raw, (raw as any).secrets?.mode === 'sealed' ? fakeStore(raw, systems) : undefined);
      return buildTree({ configDir: path.join(dir, 'config'), sealedDir: path.join(dir, 'sealed'), systems });
    });
    if (tree) onAccepted(tree);
    return tree;
  });
}

/** Values no field expects: other types, and strings an attacker or a clumsy user types. */
const hostile = fc.oneof(
  fc.constantFrom(
    null,
    0,
    -1,
    Infinity,
    true,
    [],
    {},
    [1, 2],
    { a: 1 },
    '',
    ' ',
    '..',
    '../..',
    '/etc/passwd',
    '$(POSTGRES_PASSWORD)',
    'a\nb: c',
    '---',
    'kube-system',
  ),
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
  else if (m.action === 'add' && parent[key] !== null && typeof parent[key] === 'object' && !Array.isArray(parent[key]))
    parent[key]['unexpected-field'] = m.value;
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
  return runCases('mutations', fc.array(mutation, { minLength: 1, maxLength: 3 }), numRuns, (mutations, dir) => {
    scratch(dir, 'prod', mutations.reduce(mutate, base), store);
    fs.writeFileSync(path.join(dir, 'secrets', 'prod.env'), 'KEEP=me\n');
    const before = readTree(dir);
    const at = (f: string) => path.join(dir, f);
    const io = { log: () => {}, notify: () => {} };
    const done = refusedOr(() => synthCommand(['--config', at('config'), '--out', at('dist'), '--sealed', at('sealed')], io) ?? true);
    // Refused or accepted, nothing but dist/ may change.
    const after = readTree(dir);
    const changed = [...before].filter(([f, c]) => after.get(f) !== c).map(([f]) => f);
    if (changed.length > 0) throw new Error(`${done ? 'accepted' : 'refused'}, but changed ${changed.join(', ')}`);
    if (!done) {
      if (after.size !== before.size) throw new Error('refused, but wrote files');
      return undefined;
    }
    return readTree(at('dist'));
  });
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
      for (const [file, text] of tree)
        if (file.endsWith('.yaml')) fs.writeFileSync(path.join(folder, file.split(path.sep).join('--')), text);
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
  if (problems.length > 0)
    throw new Error(`the API server refused what synth accepted (seed ${SEED}):\n${problems.slice(0, 10).join('\n')}`);
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
  description:
    'random configurations and mutations of config/prod.yaml: ' +
    'accepted with valid manifests (dry-run on a real API server), or refused cleanly',
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
