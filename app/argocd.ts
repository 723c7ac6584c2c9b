/**
 * Argo CD wiring of one environment (dist/<env>/argocd/): an AppProject limited to this
 * repository, the systems' namespaces and the kinds they use (Namespace only by those names);
 * one Application per system pointing at dist/<env>/<system>; and the root app-of-apps
 * Application that syncs this folder itself, in its own AppProject that admits nothing but
 * Applications and AppProjects in Argo CD's namespace. Bootstrap: `kubectl apply -f` of the
 * root project's and the root Application's files.
 */
import * as path from 'path';
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, ApplicationSpecSyncPolicy } from '../imports/argocd-application-argoproj.io';
import { AppProject } from '../imports/argocd-appproject-argoproj.io';
import { workloadLabels } from '../charts/constructs/workload-identity';
import { ArgoCdConfig } from './environment';
import { SYNC_WAVE } from './sync-waves';

/** The cluster Argo CD runs in. */
const IN_CLUSTER = 'https://kubernetes.default.svc';

/** All the root app-of-apps may create: Argo CD's own objects, in Argo CD's namespace. */
export const ROOT_KINDS = [
  { group: 'argoproj.io', kind: 'AppProject' },
  { group: 'argoproj.io', kind: 'Application' },
];

export interface SystemApplication {
  /** dist/<env>/<name> */
  readonly name: string;
  readonly namespace: string;
  /** group/kind of every object in the folder. */
  readonly kinds: Array<{ group: string; kind: string }>;
}

/** Automated sync with prune and self-heal, server-side apply, and retries with backoff. */
const SYNC_POLICY: ApplicationSpecSyncPolicy = {
  automated: { prune: true, selfHeal: true },
  // ServerSideApply: no last-applied annotation (the init ConfigMap and SealedSecrets are
  // large) and field ownership shared cleanly with the controllers. PruneLast: remove
  // what left the repository only once everything else is healthy.
  syncOptions: ['ServerSideApply=true', 'PruneLast=true'],
  retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
};

export interface ArgoCdChartProps {
  readonly env: string;
  readonly argocd: ArgoCdConfig;
  /** The AppProject's description: which systems, from where. */
  readonly description: string;
  readonly systems: SystemApplication[];
}

export class ArgoCdChart extends Chart {
  /** The root Application's and its AppProject's name: their files are what the bootstrap applies. */
  public readonly rootName: string;

  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    const argo = props.argocd;
    super(scope, id, { namespace: argo.namespace, disableResourceNameHashes: true });
    this.rootName = `${argo.project}-root`;
    const labels = (name: string) => workloadLabels({ name, system: argo.project, component: 'gitops', version: argo.targetRevision });
    const source = (folder: string) => ({
      repoUrl: argo.repoURL,
      targetRevision: argo.targetRevision,
      path: path.posix.join(argo.distPath, props.env, folder),
    });
    const kinds = uniqueKinds(props.systems.flatMap((s) => s.kinds));
    const namespaces = props.systems.map((s) => s.namespace).sort();

    // Whoever can push to this folder can write AppProjects: the root may create no cluster-scoped
    // object itself, and the systems' project bounds what the system folders can do.
    new AppProject(this, 'root-project', {
      metadata: { name: this.rootName, labels: labels(this.rootName), annotations: { [SYNC_WAVE]: '-2' } },
      spec: {
        description: `The root app-of-apps of ${props.env}: Argo CD's own objects in ${argo.namespace}, from this repository only`,
        sourceRepos: [argo.repoURL],
        destinations: [{ server: IN_CLUSTER, namespace: argo.namespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: ROOT_KINDS,
      },
    });

    new AppProject(this, 'project', {
      metadata: { name: argo.project, labels: labels(argo.project), annotations: { [SYNC_WAVE]: '-1' } },
      spec: {
        description: props.description,
        sourceRepos: [argo.repoURL],
        destinations: props.systems.map((s) => ({ server: IN_CLUSTER, namespace: s.namespace })),
        // The systems' own Namespaces, by name: no other Namespace can be created, relabelled or deleted.
        clusterResourceWhitelist: kinds.filter((k) => k.kind === 'Namespace').flatMap((k) => namespaces.map((name) => ({ ...k, name }))),
        namespaceResourceWhitelist: kinds.filter((k) => k.kind !== 'Namespace'),
        // Warn about strays in the namespaces, but not Secrets made out of band (external
        // mode) nor the claims the StatefulSets create.
        orphanedResources: {
          warn: true,
          ignore: [
            { group: '', kind: 'Secret' },
            { group: '', kind: 'PersistentVolumeClaim' },
          ],
        },
      },
    });

    for (const system of props.systems) {
      new Application(this, system.name, {
        metadata: { name: system.name, labels: labels(system.name), annotations: { [SYNC_WAVE]: '0' } },
        spec: {
          project: argo.project,
          source: source(system.name),
          destination: { server: IN_CLUSTER, namespace: system.namespace },
          syncPolicy: SYNC_POLICY,
        },
      });
    }

    new Application(this, 'root', {
      metadata: { name: this.rootName, labels: labels(this.rootName), annotations: { [SYNC_WAVE]: '0' } },
      spec: {
        project: this.rootName,
        source: source('argocd'),
        destination: { server: IN_CLUSTER, namespace: argo.namespace },
        syncPolicy: SYNC_POLICY,
      },
    });
  }
}

function uniqueKinds(kinds: Array<{ group: string; kind: string }>): Array<{ group: string; kind: string }> {
  const byKey = new Map(kinds.map((k) => [`${k.group}/${k.kind}`, k]));
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}
