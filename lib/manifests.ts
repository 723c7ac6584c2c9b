/**
 * The manifests of a system folder (dist/<env>/<system>/): one object per file, named by
 * apply order, kind and name, and a kustomization listing them. Nothing here touches the disk.
 */
import { manifestYaml } from './manifest-yaml';

/**
 * The kustomization of a folder. Named without an extension, as kustomize and Argo CD allow,
 * so that `kubectl apply -f <folder>/` (which reads *.yaml, *.yml and *.json) does not try to
 * apply it as an object.
 */
export const KUSTOMIZATION = 'Kustomization';

/** Files of one system folder: the manifests, one object each, and the kustomization. */
export type SystemFiles = Map<string, string>;

/**
 * Apply order by kind, as the file-name prefix: what others need comes first, so `kubectl apply -f`
 * of the folder works in one pass (a Traefik Middleware before the Ingress that names it).
 */
const KIND_PREFIX: Record<string, number> = {
  Namespace: 0,
  // dist/<env>/bootstrap/: the policy before the binding that names it.
  ValidatingAdmissionPolicy: 1,
  ValidatingAdmissionPolicyBinding: 2,
  Secret: 5,
  SealedSecret: 10,
  ConfigMap: 15,
  PersistentVolumeClaim: 20,
  // CloudNativePG: the object store before the Cluster that archives to it, the Cluster before what names it.
  ObjectStore: 22,
  NetworkPolicy: 25,
  Service: 30,
  StatefulSet: 35,
  Cluster: 35,
  DatabaseRole: 36,
  Database: 37,
  Deployment: 40,
  PodDisruptionBudget: 41,
  CronJob: 45,
  ScheduledBackup: 45,
  Middleware: 48,
  Ingress: 50,
  PodMonitor: 52,
  PrometheusRule: 52,
  AppProject: 55,
  Application: 60,
};

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** A manifest's file name: apply-order prefix, kind and name ("40-statefulset-postgres.yaml"). */
export function manifestFileName(obj: KubeObject): string {
  const prefix = String(KIND_PREFIX[obj.kind] ?? 99).padStart(2, '0');
  return `${prefix}-${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
}

/** The folder of one system: a file per object and a kustomization listing them. */
export function systemFiles(objects: KubeObject[]): SystemFiles {
  const files = new Map<string, string>();
  for (const obj of objects) {
    const name = manifestFileName(obj);
    if (files.has(name)) throw new Error(`two objects would be written to ${name}: give them distinct names`);
    files.set(name, manifestYaml(obj));
  }
  const resources = [...files.keys()].sort();
  const sorted = new Map(resources.map((name) => [name, files.get(name)!]));
  sorted.set(KUSTOMIZATION, manifestYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }));
  return sorted;
}
