/**
 * Builds the manifests of every system of an environment in memory, as a map from file
 * name (under dist/<env>/<system>/) to YAML text. Nothing here touches the disk.
 */
import { App, Chart, Yaml } from 'cdk8s';
import { ArgoCdChart } from '../charts/argocd';
import { SealedSecrets } from '../charts/constructs/sealed-secrets';
import { applySyncWaves } from '../charts/sync-waves';
import { SYSTEMS } from '../charts/systems';
import { EnvironmentConfig } from './config';
import { SealedStore } from './sealing';

/**
 * The kustomization of a folder. Named without an extension, as kustomize and Argo CD allow,
 * so that `kubectl apply -f <folder>/` (which reads *.yaml, *.yml and *.json) does not try to
 * apply it as an object.
 */
export const KUSTOMIZATION = 'Kustomization';

/** Files of one system folder: the manifests, one object each, and the kustomization. */
export type SystemFiles = Map<string, string>;

/** Apply order by kind: what others need comes first, so `kubectl apply -f` of the folder works in one pass. */
const KIND_ORDER = ['Namespace', 'Secret', 'SealedSecret', 'ConfigMap', 'PersistentVolumeClaim', 'NetworkPolicy', 'Service', 'StatefulSet', 'Deployment', 'CronJob', 'Ingress', 'AppProject', 'Application'];

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Metadata type of a construct's message to the user ("pg_cron is off"), printed by synth. */
export const NOTICE = 'notice';

/**
 * The objects of each system chart of an environment, resolved and validated by cdk8s, and
 * the charts' notices. In sealed mode each system also gets its Secrets as SealedSecrets
 * from `sealed` (checked complete beforehand: see assertSealed).
 */
export function synthesizeEnvironment(config: EnvironmentConfig, sealed?: SealedStore): { objects: Map<string, KubeObject[]>; notices: string[] } {
  const app = new App({ outdir: '/nonexistent' });
  const charts = new Map<string, Chart>(
    SYSTEMS.map((s) => {
      const chart = s.chart(app, config);
      if (config.secrets.mode === 'sealed') new SealedSecrets(chart, 'sealed-secrets', { specs: s.secrets(config), store: sealed ?? { certificate: '', secrets: {} } });
      applySyncWaves(chart);
      return [s.name, chart];
    }),
  );
  const constructs = app.node.findAll();
  const errors = constructs.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`construct validation failed:\n  ${errors.join('\n  ')}`);
  const notices = constructs.flatMap((c) => c.node.metadata.filter((m) => m.type === NOTICE).map((m) => String(m.data)));
  return { objects: new Map([...charts].map(([name, chart]) => [name, chart.toJson() as KubeObject[]])), notices };
}

/** The Argo CD folder of an environment: the AppProject and Applications of its systems. */
export function synthesizeArgoCd(env: string, config: EnvironmentConfig, systems: Map<string, KubeObject[]>): KubeObject[] {
  const app = new App({ outdir: '/nonexistent' });
  const applications = [...systems].map(([name, objects]) => ({
    name,
    namespace: objects.find((o) => o.kind === 'Namespace')!.metadata.name,
    kinds: objects.map((o) => ({ group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '', kind: o.kind })),
  }));
  return new ArgoCdChart(app, 'argocd', { env, config, systems: applications }).toJson() as KubeObject[];
}

/** The objects of each system chart of an environment. */
export function synthesizeObjects(config: EnvironmentConfig, sealed?: SealedStore): Map<string, KubeObject[]> {
  return synthesizeEnvironment(config, sealed).objects;
}

/** A manifest's file name: apply-order prefix, kind and name ("40-statefulset-postgres.yaml"). */
export function manifestFileName(obj: KubeObject): string {
  const rank = KIND_ORDER.indexOf(obj.kind);
  const prefix = String(rank < 0 ? 99 : rank * 5).padStart(2, '0');
  return `${prefix}-${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
}

/** The folder of one system: a file per object and a kustomization listing them. */
export function systemFiles(objects: KubeObject[]): SystemFiles {
  const files = new Map<string, string>();
  for (const obj of objects) {
    const name = manifestFileName(obj);
    if (files.has(name)) throw new Error(`two objects would be written to ${name}: give them distinct names`);
    files.set(name, Yaml.stringify(obj));
  }
  const resources = [...files.keys()].sort();
  const sorted = new Map(resources.map((name) => [name, files.get(name)!]));
  sorted.set(KUSTOMIZATION, Yaml.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }));
  return sorted;
}
