/**
 * The secrets mode: external (Secrets created out of band, none in dist/) or sealed
 * (SealedSecrets in dist/ from sealed/<env>.yaml); a missing sealed value stops the synth.
 * The real kubeseal round trip is in the verify suite (npm run verify -- sealing).
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { readTree } from '../lib/dist';
import { SealedStore, assertSealed, secretId, valueFingerprint } from '../lib/sealing';
import { CONFIG_DIR, REPO } from './support/synth';
import { parseEnvironment } from '../app/environment';
import { allSecrets, synthesizeObjects } from '../app/synth';
import { ConfigError } from '../lib/errors';

const run = promisify(execFile);
const sealedConfig = parseEnvironment({ secrets: { mode: 'sealed' } }, 'test');
const specs = allSecrets(sealedConfig);

/** A store with a made-up ciphertext for every key (the format, not the cryptography). */
function fakeStore(): SealedStore {
  const secrets: SealedStore['secrets'] = {};
  for (const spec of specs)
    secrets[secretId(spec)] = Object.fromEntries(
      Object.keys(spec.data).map((k) => [k, { fingerprint: 'f', ciphertext: `Ag-${spec.name}-${k}` }]),
    );
  return { certificate: 'sha256:test', secrets };
}

describe('secrets.mode', () => {
  test('external: no Secret or SealedSecret in the output, only references', () => {
    for (const objects of synthesizeObjects(parseEnvironment({}, 'test')).values()) {
      expect(objects.filter((o) => o.kind === 'Secret' || o.kind === 'SealedSecret')).toEqual([]);
    }
  });

  test('sealed: one SealedSecret per Secret, with its name, namespace, type, labels and keys, strict scope', () => {
    const objects = [...synthesizeObjects(sealedConfig, fakeStore()).values()].flat();
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const sealed = objects.filter((o: any) => o.kind === 'SealedSecret') as any[];
    expect(sealed.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort()).toEqual(specs.map(secretId).sort());
    for (const spec of specs) {
      const s = sealed.find((x) => x.metadata.name === spec.name && x.metadata.namespace === spec.namespace);
      expect(s.apiVersion).toBe('bitnami.com/v1alpha1');
      expect(s.spec.template).toEqual({ metadata: { name: spec.name, namespace: spec.namespace, labels: spec.labels }, type: spec.type });
      expect(Object.keys(s.spec.encryptedData).sort()).toEqual(Object.keys(spec.data).sort());
      expect(s.metadata.annotations?.['sealedsecrets.bitnami.com/cluster-wide']).toBeUndefined();
      expect(s.metadata.annotations?.['sealedsecrets.bitnami.com/namespace-wide']).toBeUndefined();
    }
  });

  test('a missing sealed value is refused with the missing keys and the command that seals them', () => {
    const store = fakeStore();
    delete store.secrets['booksync/db-booksync-auth'].password;
    delete store.secrets['mnemolite/db-mnemo'];
    expect(() => assertSealed(specs, store, 'sealed/prod.yaml', 'prod')).toThrow(ConfigError);
    try {
      assertSealed(specs, store, 'sealed/prod.yaml', 'prod');
    } catch (e) {
      expect((e as Error).message.split('\n')).toEqual([
        'config/prod.yaml: secrets.mode is "sealed", but sealed/prod.yaml has no sealed value for:',
        '  booksync/db-booksync-auth: password',
        '  mnemolite/db-mnemo: username, password, database-url',
        'Seal them with: npm run seal -- prod --cert <controller-cert.pem>',
      ]);
    }
  });

  test('an optional value (the OpenAI key) may be absent', () => {
    const store = fakeStore();
    delete store.secrets['mnemolite/mnemo-api-secrets'].OPENAI_API_KEY;
    expect(() => assertSealed(specs, store, 'sealed/prod.yaml', 'prod')).not.toThrow();
  });

  test('fingerprints depend on the key, the place and the value', () => {
    const base = valueFingerprint('k1', 'booksync/db-postgres', 'password', 'v');
    expect(valueFingerprint('k1', 'booksync/db-postgres', 'password', 'v')).toBe(base);
    for (const other of [
      valueFingerprint('k2', 'booksync/db-postgres', 'password', 'v'),
      valueFingerprint('k1', 'mnemolite/db-postgres', 'password', 'v'),
      valueFingerprint('k1', 'booksync/db-postgres', 'username', 'v'),
      valueFingerprint('k1', 'booksync/db-postgres', 'password', 'w'),
    ])
      expect(other).not.toBe(base);
  });
});

describe('the committed output', () => {
  test('dist/prod holds SealedSecrets and no Secret; dist/dev holds neither', () => {
    const tree = readTree(path.join(REPO, 'dist'));
    const kinds = (env: string) => [...tree].filter(([f]) => f.startsWith(`${env}/`)).map(([, t]) => /^kind: (\S+)$/m.exec(t)?.[1]);
    expect(kinds('prod')).toContain('SealedSecret');
    expect(kinds('prod')).not.toContain('Secret');
    expect(kinds('dev')).not.toContain('Secret');
    expect(kinds('dev')).not.toContain('SealedSecret');
  });

  test('a sealed environment without its sealed values: exit 1, the keys listed, dist/ untouched', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sealed-'));
    try {
      fs.cpSync(CONFIG_DIR, path.join(work, 'config'), { recursive: true });
      fs.cpSync(path.join(REPO, 'dist'), path.join(work, 'dist'), { recursive: true });
      const before = readTree(path.join(work, 'dist'));
      const args = [
        '--import',
        'tsx',
        path.join(REPO, 'main.ts'),
        '--config',
        path.join(work, 'config'),
        '--out',
        path.join(work, 'dist'),
        '--sealed',
        path.join(work, 'no-sealed-values'),
        '--env',
        'prod',
      ];
      const failure = await run(process.execPath, args, { cwd: REPO }).then(
        () => undefined,
        (e) => e,
      );
      expect(failure?.code).toBe(1);
      expect(failure.stderr).toContain('secrets.mode is "sealed"');
      expect(failure.stderr).toContain('booksync/db-postgres: username, password');
      expect(failure.stderr).toContain('npm run seal -- prod --cert');
      expect(readTree(path.join(work, 'dist'))).toEqual(before);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
