/**
 * Point-in-time recovery on the CloudNativePG engine (npm run restore -- <env> <system> --pitr
 * <time>): a new Cluster, `<name>-pitr-<UTC stamp>`, bootstrapped by the operator from the
 * system's object store (its base backup before the time, then its WAL up to the time), beside the
 * running one, which is left untouched. It archives to the same store under its own server name
 * (the plugin refuses an archive that is not empty). Everything else (instances, resources,
 * affinity, storage, parameters, labels) is the system's Cluster's.
 */
import { isRealTime } from '../lib/cli';
import { ConfigError } from '../lib/errors';
import { KubeObject } from '../lib/manifests';
import { BARMAN_PLUGIN } from '../charts/constructs/cnpg-postgres';

/** The time as RFC 3339 UTC, which recoveryTarget.targetTime takes; refused (naming the flag) unless it is one. */
export function pitrTime(at: string): string {
  const time =
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})$/.test(at) && isRealTime(at)
      ? Date.parse(at.replace(' ', 'T'))
      : NaN;
  if (Number.isNaN(time))
    throw new ConfigError(`--pitr ${JSON.stringify(at)}: not a time with its zone: write one such as 2026-11-21T04:00:00Z`);
  if (time > Date.now()) throw new ConfigError(`--pitr ${at}: in the future: the archive ends now`);
  return new Date(time).toISOString().replace(/\.000Z$/, 'Z');
}

/** What of a CloudNativePG Cluster manifest the recovery reads. */
interface ClusterManifest {
  readonly apiVersion: string;
  readonly metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  readonly spec: { plugins: Array<{ name: string; isWALArchiver?: boolean; parameters: Record<string, string> }>; [key: string]: unknown };
}

/** The recovery Cluster for the system's Cluster at `time` (pitrTime's). */
export function pitrCluster(manifest: KubeObject, time: string): KubeObject {
  const cluster = manifest as unknown as ClusterManifest;
  const stamp = time
    .replace(/[-:]/g, '')
    .replace(/\.[0-9]+/, '')
    .toLowerCase();
  const name = `${cluster.metadata.name}-pitr-${stamp}`;
  const archiver = cluster.spec.plugins.find((p) => p.isWALArchiver);
  if (!archiver) throw new ConfigError(`Cluster ${cluster.metadata.name} archives no WAL: there is nothing to recover from`);
  const spec: Record<string, unknown> = { ...cluster.spec };
  delete spec.bootstrap;
  delete spec.plugins;
  const annotations = { ...cluster.metadata.annotations };
  delete annotations['argocd.argoproj.io/sync-wave'];
  return {
    apiVersion: cluster.apiVersion,
    kind: 'Cluster',
    metadata: {
      name,
      namespace: cluster.metadata.namespace,
      labels: cluster.metadata.labels,
      annotations: { ...annotations, 'pi-gitops/recovered-to': time },
    },
    spec: {
      ...spec,
      bootstrap: { recovery: { source: 'origin', recoveryTarget: { targetTime: time } } },
      externalClusters: [{ name: 'origin', plugin: { name: BARMAN_PLUGIN, parameters: { ...archiver.parameters } } }],
      plugins: [{ ...archiver, parameters: { ...archiver.parameters, serverName: name } }],
    },
  };
}
