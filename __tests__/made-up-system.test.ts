/**
 * The proof that a third system is one folder and a registry line: a made-up system (a
 * Postgres and one API, __tests__/support/made-up-system.ts) is registered from this test
 * alone, and synth, Argo CD, secrets, sealing, the connectivity matrix, the fuzz properties and
 * the verify expectations all take it in, with no file of the project touched.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { parseEnvironment } from '../app/environment';
import { SYSTEMS } from '../app/registry';
import { allSecrets, buildTree, synthesizeObjects } from '../app/synth';
import { readTree } from '../lib/dist';
import { outputViolations } from '../lib/output-check';
import { SealedStore, assertSealed, secretId } from '../lib/sealing';
import { ensureEnvFile, secretManifest } from '../lib/secrets';
import { fuzzConfigs } from '../verify/fuzz';
import { allowedConnections } from './support/connectivity';
import { MADE_UP_CONNECTIVITY, madeUpSystem } from './support/made-up-system';
import { CONFIG_DIR, REPO } from './support/synth';

const notes = madeUpSystem('notes');
const systems = [...SYSTEMS, notes];
/** Every file of the project this suite could touch, as it was before. */
const before = new Map(['dist', 'config', 'sealed', 'systems', 'app'].map((folder) => [folder, readTree(path.join(REPO, folder))]));

describe('a made-up system registered from a test file', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'made-up-'));
    fs.cpSync(CONFIG_DIR, path.join(work, 'config'), { recursive: true });
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('its config section has defaults, is validated, and its namespace is checked against the others', () => {
    const config = parseEnvironment({}, 'test', systems);
    expect(config.notes).toMatchObject({ namespace: 'notes', api: { replicas: 1, env: { LOG_LEVEL: 'info', PORT: '8080' } } });
    expect(() => parseEnvironment({ notes: { namespace: 'booksync' } }, 'test.yaml', systems)).toThrow(
      'test.yaml: notes.namespace: "booksync" is booksync\'s namespace too',
    );
    expect(() => parseEnvironment({ notes: { api: { env: { PORT: '9' } } } }, 'test.yaml', systems)).toThrow(
      'notes.api.env.PORT: must be 8080',
    );
  });

  test('synth writes dist/<env>/notes/ with valid objects and gives it an Argo CD Application in the project', () => {
    const tree = buildTree({ configDir: path.join(work, 'config'), sealedDir: path.join(REPO, 'sealed'), systems, environments: ['dev'] });
    const files = [...tree.keys()].filter((f) => f.startsWith(path.join('dev', 'notes') + path.sep));
    expect(files.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining(['00-namespace-notes.yaml', '35-statefulset-db.yaml', '40-deployment-api.yaml', 'Kustomization']),
    );
    const objects = [...tree].filter(([f]) => f.endsWith('.yaml')).map(([, text]) => YAML.parse(text));
    expect(outputViolations(objects)).toEqual([]);
    const project = objects.find((o) => o.kind === 'AppProject' && o.metadata.name === 'pi-gitops');
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual(['booksync', 'mnemolite', 'notes']);
    expect(project.spec.description).toContain('Made-up notes');
    expect(objects.find((o) => o.kind === 'Application' && o.metadata.name === 'notes').spec.source.path).toBe('dist/dev/notes');
  });

  test('its Secrets reach the env file and the Secret manifests, with the URL built from its own role', () => {
    const config = parseEnvironment({}, 'test', systems);
    const specs = allSecrets(config, systems);
    expect(specs.map((s) => `${s.namespace}/${s.name}`)).toContain('notes/db-notes-admin');
    const file = path.join(work, 'notes.env');
    const { values } = ensureEnvFile(file, specs);
    expect(values.NOTES_DB_PASSWORD).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const secret: any = secretManifest(
      specs.find((s) => s.name === 'db-notes-admin')!,
      values,
    );
    expect(Buffer.from(secret.data['database-url'], 'base64').toString()).toBe(
      `postgresql://notes_admin:${values.NOTES_DB_PASSWORD}@db:5432/notes`,
    );
  });

  test('in sealed mode it must be sealed like the others, and then gets its SealedSecrets', () => {
    const config = parseEnvironment({ secrets: { mode: 'sealed' } }, 'test', systems);
    const specs = allSecrets(config, systems);
    const partial: SealedStore = { certificate: 'sha256:x', secrets: {} };
    for (const spec of specs.filter((s) => s.namespace !== 'notes'))
      partial.secrets[secretId(spec)] = Object.fromEntries(
        Object.keys(spec.data).map((k) => [k, { fingerprint: 'f', ciphertext: 'QUJD' }]),
      );
    expect(() => assertSealed(specs, partial, 'sealed/test.yaml', 'test')).toThrow(
      'notes/db-notes-admin: username, password, database-url',
    );
    const store: SealedStore = {
      ...partial,
      secrets: {
        ...partial.secrets,
        'notes/db-notes-admin': {
          username: { fingerprint: 'f', ciphertext: 'QUJD' },
          password: { fingerprint: 'f', ciphertext: 'QUJD' },
          'database-url': { fingerprint: 'f', ciphertext: 'QUJD' },
        },
      },
    };
    const objects = synthesizeObjects(config, store, systems).get('notes')!;
    expect(objects.filter((o) => o.kind === 'SealedSecret').map((o) => o.metadata.name)).toEqual(['db-notes-admin']);
  });

  test('its NetworkPolicies allow exactly its connection matrix', () => {
    const objects = synthesizeObjects(parseEnvironment({}, 'test', systems), undefined, systems).get('notes')!;
    expect(allowedConnections(objects)).toEqual(MADE_UP_CONNECTIVITY);
  });

  test('the verify suite finds what it expects: the database role and name, its SQL folder, and fuzzes its section', () => {
    const objects = synthesizeObjects(parseEnvironment({}, 'test', systems), undefined, systems).get('notes')!;
    const postgres: any = objects.find((o) => o.kind === 'StatefulSet');
    const env = Object.fromEntries(postgres.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect([env.POSTGRES_USER, env.POSTGRES_DB]).toEqual([notes.database.admin, notes.database.database]);
    expect(fs.readdirSync(path.join(notes.dir, 'sql'))).toEqual(['10-notes.sql']);
    expect(Object.keys(objects.find((o) => o.kind === 'ConfigMap')!.data as object)).toContain('10-notes.sql');
    const counts = fuzzConfigs(15, undefined, systems);
    expect(counts.accepted).toBeGreaterThan(5);
  });

  test('no file of the project was touched', () => {
    for (const [folder, tree] of before) expect(readTree(path.join(REPO, folder))).toEqual(tree);
  });
});
