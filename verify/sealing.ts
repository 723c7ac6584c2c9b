/**
 * The Sealed Secrets round trip, with the real kubeseal: a throwaway key pair and
 * certificate from openssl, `npm run seal` with it, a synth in sealed mode, then
 * `kubeseal --recovery-unseal` of every synthesized SealedSecret must give back exactly the
 * original values, under the names and namespaces the workloads reference.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { envKeys, parseEnvFile, resolveSecretData } from '../lib/secrets';
import { allSecrets } from '../app/synth';
import { readTree } from '../lib/dist';
import { ensureTool } from '../lib/tools';
import { Check, REPO, exec, throwawayCertificate, tsx, withTempDir } from './check';
import { loadEnvironment, sectionOf } from '../app/environment';
import { SYSTEMS } from '../app/registry';

const ENV = 'prod';

/** Values no quoting mistake survives, given in turn to the keys only the user can give. */
const HOSTILE = [`client-'id' "x" $HOME`, 'sécret:with@/%;\\', 'sk-test-0123456789', '$(POSTGRES_PASSWORD) --- #'];

/** The Secret names and keys the workloads of a system folder read. */
function referencedKeys(objects: any[]): string[] {
  const refs: string[] = [];
  const visit = (node: any) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    if (node.secretKeyRef && !node.secretKeyRef.optional) refs.push(`${node.secretKeyRef.name}/${node.secretKeyRef.key}`);
    const secret = node.secret; // a projected source names it `name`, a secret volume `secretName`
    if (secret?.items) for (const item of secret.items) refs.push(`${secret.name ?? secret.secretName}/${item.key}`);
    Object.values(node).forEach(visit);
  };
  visit(objects);
  return refs;
}

export const sealing: Check = {
  name: 'sealing',
  description: 'kubeseal round trip of every Secret of every system',
  run: () =>
    withTempDir('verify-sealing-', async (dir) => {
      const kubeseal = ensureTool('kubeseal', (line) => console.error(line));
      const { key, cert } = await throwawayCertificate(dir);

      const config = loadEnvironment(path.join(REPO, 'config'), ENV);
      if (config.secrets.mode !== 'sealed') throw new Error(`config/${ENV}.yaml: secrets.mode is not "sealed"`);
      const provided = envKeys(allSecrets(config)).filter((k) => !k.generated);
      const secretsFile = path.join(dir, `${ENV}.env`);
      fs.writeFileSync(secretsFile, provided.map((k, i) => `${k.key}=${HOSTILE[i % HOSTILE.length]}\n`).join(''));
      const sealedDir = path.join(dir, 'sealed');
      const seal = (...extra: string[]) =>
        tsx('scripts/seal.ts', [ENV, '--cert', cert, '--secrets-file', secretsFile, '--sealed-dir', sealedDir, ...extra]);
      const sealedFile = () => fs.readFileSync(path.join(sealedDir, `${ENV}.yaml`), 'utf8');
      await seal();
      // Sealing unchanged values again keeps every ciphertext (no churn in dist/); --rotate changes them all.
      const first = sealedFile();
      await seal();
      const churn = sealedFile() !== first;
      await seal('--rotate');
      const rotated = sealedFile() !== first;
      const out = path.join(dir, 'dist');
      await tsx('main.ts', ['--env', ENV, '--out', out, '--sealed', sealedDir]);

      const env = parseEnvFile(fs.readFileSync(secretsFile, 'utf8'), secretsFile);
      const tree = readTree(out);
      let secrets = 0;
      let values = 0;
      let references = 0;
      const problems: string[] = [];
      for (const system of SYSTEMS) {
        const folder = path.join(ENV, system.name);
        const objects = [...tree].filter(([f]) => path.dirname(f) === folder && f.endsWith('.yaml')).map(([, t]) => YAML.parse(t));
        if (objects.some((o) => o.kind === 'Secret')) problems.push(`${folder}: holds a plain Secret`);
        const opened = new Map<string, Record<string, string>>();
        for (const sealed of objects.filter((o) => o.kind === 'SealedSecret')) {
          const secret = YAML.parse(
            await exec(kubeseal, ['--recovery-unseal', '--recovery-private-key', key, '-o', 'yaml'], { input: YAML.stringify(sealed) }),
          );
          const data = Object.fromEntries(
            Object.entries(secret.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
          );
          opened.set(`${secret.metadata.namespace}/${secret.metadata.name}`, data);
          secrets++;
        }
        for (const spec of system.secrets(sectionOf(config, system))) {
          const expected = resolveSecretData(spec, env);
          const actual = opened.get(`${spec.namespace}/${spec.name}`);
          if (!actual) problems.push(`${spec.namespace}/${spec.name}: no SealedSecret`);
          for (const [k, v] of Object.entries(expected)) {
            values++;
            if (actual?.[k] !== v) problems.push(`${spec.namespace}/${spec.name}: key ${k} does not open to its value`);
          }
        }
        const namespace = objects.find((o) => o.kind === 'Namespace').metadata.name;
        for (const ref of referencedKeys(objects)) {
          references++;
          const [name, k] = ref.split('/');
          if (opened.get(`${namespace}/${name}`)?.[k] === undefined)
            problems.push(`${folder}: a workload reads ${ref}, which no SealedSecret provides`);
        }
      }
      if (churn) problems.push('sealing unchanged values again changed sealed/prod.yaml: dist/ would churn');
      if (!rotated) problems.push('--rotate left sealed/prod.yaml as it was');
      if (problems.length > 0) throw new Error(problems.join('\n'));
      return (
        `${secrets} SealedSecrets unsealed, ${values} values equal to the originals, ${references} workload references resolved; ` +
        're-sealing kept every ciphertext, --rotate renewed them'
      );
    }),
};
