/**
 * Argo CD sync waves for a system chart, so that one sync brings an empty cluster up in
 * order, each wave healthy before the next starts:
 *   0  Namespace, Secrets and SealedSecrets, NetworkPolicies, CloudNativePG's ObjectStore
 *   1  Postgres: its init ConfigMap, Service and StatefulSet, or the CloudNativePG Cluster (Argo CD's
 *      built-in health check waits for "Cluster in healthy state"), its roles, database and
 *      scheduled backup. A StatefulSet's claim template is created
 *      by the StatefulSet controller with the pod, in this same wave: local-path binds on
 *      first consumer, so a claim in an earlier wave would wait forever.
 *   2  the APIs, the worker and the backup CronJob
 *   3  Ingress, and the PodMonitor, alerts and dashboard
 * Secrets and SealedSecrets hold keys, and a Namespace holds the database's claims (deleting it
 * would delete them, and local-path then the data): Argo CD never prunes or deletes any of them.
 */
import { ApiObject, Chart } from 'cdk8s';

export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';

const WAVE_BY_COMPONENT: Record<string, number> = {
  namespace: 0,
  credentials: 0,
  network: 0,
  'backup-store': 0,
  database: 1,
  api: 2,
  worker: 2,
  backup: 2,
  ingress: 3,
  monitoring: 3,
};

/** The wave of an object, from its app.kubernetes.io/component label. */
export function syncWave(component: string | undefined): number {
  const wave = component === undefined ? undefined : WAVE_BY_COMPONENT[component];
  if (wave === undefined) throw new Error(`no sync wave for component "${component}": add it to WAVE_BY_COMPONENT`);
  return wave;
}

export function applySyncWaves(chart: Chart): void {
  for (const obj of chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    obj.metadata.addAnnotation(SYNC_WAVE, String(syncWave(obj.metadata.getLabel('app.kubernetes.io/component'))));
    if (['Secret', 'SealedSecret', 'Namespace'].includes(obj.kind)) obj.metadata.addAnnotation(SYNC_OPTIONS, 'Prune=false,Delete=false');
  }
}
