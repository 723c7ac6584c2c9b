/**
 * Strict schema validation of every object in dist/ with kubeconform: against the
 * Kubernetes 1.28 API (what cdk8s-plus-28 emits) and the 1.34 API (the k3s stable line),
 * and against the SealedSecret, Application and AppProject CRDs of ../shared/crds turned into
 * JSON schemas. "Strict": an unknown or misspelled field anywhere fails.
 *
 * The Kubernetes schemas are the "-local-strict" ones bundled by PyPI kubernetes-validate
 * (pinned), extracted once into the tool cache (with their $refs made relative):
 * kubeconform's usual download needs the internet.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ensureTool, toolCacheDir } from '../lib/tools';
import { Check, REPO, exec, requireCommand, run, withTempDir } from './check';

const KUBERNETES_VERSIONS = ['1.28.0', '1.34.0'];
/**
 * Kinds a version does not have, left out of its run only: the bootstrap's admission policy is
 * admissionregistration.k8s.io/v1 from Kubernetes 1.30 (the README says the guard needs 1.30).
 */
const NOT_IN: Record<string, string[]> = { '1.28.0': ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'] };
const SCHEMAS_PACKAGE = { name: 'kubernetes-validate', version: '1.37.0' };
const CRD_DIR = path.join(REPO, '..', 'shared', 'crds');

/** The folder holding v<version>-local-strict/ schema folders, extracted from the pinned wheel on first use. */
async function kubernetesSchemas(): Promise<string> {
  const dir = path.join(toolCacheDir(), 'schemas', `${SCHEMAS_PACKAGE.name}-${SCHEMAS_PACKAGE.version}-offline`);
  if (KUBERNETES_VERSIONS.every((v) => fs.existsSync(path.join(dir, `v${v}-local-strict`)))) return dir;
  requireCommand('python3', 'apt-get install python3 python3-pip');
  await withTempDir('schemas-', async (download) => {
    await exec('python3', [
      '-m',
      'pip',
      'download',
      '--quiet',
      '--no-deps',
      '--dest',
      download,
      `${SCHEMAS_PACKAGE.name}==${SCHEMAS_PACKAGE.version}`,
    ]);
    const wheel = path.join(
      download,
      fs.readdirSync(download).find((f) => f.endsWith('.whl'))!,
    );
    const folders = KUBERNETES_VERSIONS.map((v) => `v${v}-local-strict`);
    await exec('python3', [path.join(__dirname, 'extract-schemas.py'), wheel, dir, ...folders]);
  });
  return dir;
}

/** An OpenAPI v3 schema made strict: objects with declared properties accept no others. */
function strict(schema: any): any {
  if (Array.isArray(schema)) return schema.map(strict);
  if (!schema || typeof schema !== 'object') return schema;
  const out = Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strict(s)])) : strict(v),
    ]),
  );
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields'])
    out.additionalProperties = false;
  return out;
}

/** The CRDs' schemas where kubeconform looks for them: <group>/<kind>_<version>.json. */
function writeCrdSchemas(target: string): number {
  let count = 0;
  for (const file of fs.readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'))) {
    for (const crd of YAML.parseAllDocuments(fs.readFileSync(path.join(CRD_DIR, file), 'utf8')).map((d) => d.toJS())) {
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const version of crd.spec.versions) {
        const schema = strict(version.schema.openAPIV3Schema);
        // apiVersion and kind are pinned, and metadata is the standard ObjectMeta (not described by CRDs).
        schema.properties.apiVersion = { type: 'string', enum: [`${crd.spec.group}/${version.name}`] };
        schema.properties.kind = { type: 'string', enum: [crd.spec.names.kind] };
        const out = path.join(target, crd.spec.group, `${crd.spec.names.kind.toLowerCase()}_${version.name}.json`);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, JSON.stringify(schema));
        count++;
      }
    }
  }
  return count;
}

/** Per kind, one misspelled field that strict validation must refuse in a copy of the first committed object of that kind. */
const MISSPELL: Record<string, (o: any) => void> = {
  Deployment: (o) => (o.spec.template.spec.containers[0].imagePullPolicyy = 'Always'),
  StatefulSet: (o) => (o.spec.volumeClaimTemplates[0].spec.storageClass = 'local-path'),
  SealedSecret: (o) => (o.spec.encryptedDatas = {}),
  Application: (o) => (o.spec.syncPolicy.automated.selfHeel = true),
};

/** The committed prod files the misspellings are made from: the first of each kind. */
function misspellings(): Array<{ file: string; misspell: (o: any) => void }> {
  const files = fs
    .readdirSync(path.join(REPO, 'dist', 'prod'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  return Object.entries(MISSPELL).map(([kind, misspell]) => {
    const file = files.find((f) => path.basename(f).includes(`-${kind.toLowerCase()}-`));
    if (!file) throw new Error(`dist/prod has no ${kind} to misspell`);
    return { file: path.join('dist', 'prod', file), misspell };
  });
}

/** kubeconform's JSON report of a folder against one Kubernetes version. */
async function validate(kubeconform: string, k8sSchemas: string, crdSchemas: string, version: string, target: string): Promise<any> {
  const args = [
    ...(NOT_IN[version] ? ['-skip', NOT_IN[version].join(',')] : []),
    '-strict',
    '-summary',
    '-output',
    'json',
    '-kubernetes-version',
    version,
    '-schema-location',
    `${k8sSchemas}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    '-schema-location',
    `${crdSchemas}/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`,
    target,
  ];
  // kubeconform exits 1 when anything is invalid; its report is on stdout either way.
  return JSON.parse((await run(kubeconform, args)).stdout);
}

export const schemas: Check = {
  name: 'schemas',
  description: `kubeconform -strict against Kubernetes ${KUBERNETES_VERSIONS.join(' and ')} and the shared CRDs`,
  run: () =>
    withTempDir('verify-schemas-', async (dir) => {
      const kubeconform = ensureTool('kubeconform', (line) => console.error(line));
      const k8s = await kubernetesSchemas();
      const crdSchemas = writeCrdSchemas(path.join(dir, 'crds'));
      const counts: string[] = [];
      const failures: string[] = [];
      for (const version of KUBERNETES_VERSIONS) {
        const report = await validate(kubeconform, k8s, path.join(dir, 'crds'), version, path.join(REPO, 'dist'));
        for (const r of report.resources ?? []) {
          if (r.status !== 'statusValid') failures.push(`${version} ${path.relative(REPO, r.filename)} ${r.kind}/${r.name}: ${r.msg}`);
        }
        if (report.summary.valid === 0) failures.push(`${version}: nothing was validated`);
        counts.push(`${report.summary.valid} objects valid against ${version}`);
      }
      // The check itself: a misspelled field in each kind of object must be refused.
      const broken = path.join(dir, 'misspelled');
      fs.mkdirSync(broken);
      for (const { file, misspell } of misspellings()) {
        const object = YAML.parse(fs.readFileSync(path.join(REPO, file), 'utf8'));
        misspell(object);
        fs.writeFileSync(path.join(broken, path.basename(file)), YAML.stringify(object));
      }
      const caught = (await validate(kubeconform, k8s, path.join(dir, 'crds'), KUBERNETES_VERSIONS[1], broken)).resources.filter(
        (r: any) => r.status === 'statusInvalid',
      );
      if (caught.length !== Object.keys(MISSPELL).length)
        failures.push(
          `only ${caught.length} of ${Object.keys(MISSPELL).length} misspelled objects were refused: strict validation is not strict`,
        );
      if (failures.length > 0) throw new Error(failures.join('\n'));
      return `${counts.join(', ')} (strict; ${crdSchemas} CRD schemas; ${caught.length} misspelled fields refused)`;
    }),
};
