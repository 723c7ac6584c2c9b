/**
 * Argo CD wiring of one environment. dist/<env>/argocd/, what the root app-of-apps syncs: one
 * Application per system pointing at dist/<env>/<system>, and the root Application itself.
 * dist/<env>/bootstrap/, what a cluster admin applies (ArgoCdProjectsChart): the AppProject limited
 * to this repository, the systems' namespaces and the kinds they use (Namespace only by those
 * names), and the root's AppProject, which admits nothing but Applications in Argo CD's namespace.
 * So a push can add or change Applications, never widen a project. Bootstrap: `kubectl apply -k`
 * of the bootstrap folder, then `kubectl apply -f` of the root Application's file.
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

/** All the root app-of-apps may create: Applications, in Argo CD's namespace (never an AppProject: those are the admin's). */
export const ROOT_KINDS = [{ group: 'argoproj.io', kind: 'Application' }];

/** The root Application's and its AppProject's name. */
export const rootName = (argo: ArgoCdConfig) => `${argo.project}-root`;

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

/** Labels and the Git source of a folder of dist/<env>/, shared by both charts. */
function wiring(props: ArgoCdChartProps) {
  const argo = props.argocd;
  return {
    labels: (name: string) => workloadLabels({ name, system: argo.project, component: 'gitops', version: argo.targetRevision }),
    source: (folder: string) => ({
      repoUrl: argo.repoURL,
      targetRevision: argo.targetRevision,
      path: path.posix.join(argo.distPath, props.env, folder),
    }),
  };
}

/** dist/<env>/argocd/: the systems' Applications and the root app-of-apps. */
export class ArgoCdChart extends Chart {
  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    const argo = props.argocd;
    super(scope, id, { namespace: argo.namespace, disableResourceNameHashes: true });
    const { labels, source } = wiring(props);
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
      metadata: { name: rootName(argo), labels: labels(rootName(argo)), annotations: { [SYNC_WAVE]: '0' } },
      spec: {
        project: rootName(argo),
        source: source('argocd'),
        destination: { server: IN_CLUSTER, namespace: argo.namespace },
        syncPolicy: SYNC_POLICY,
      },
    });
  }
}

/**
 * The AppProjects, in dist/<env>/bootstrap/: applied by a cluster admin (again when the systems' kinds or
 * namespaces change: synth says so), never synced from git, since whoever writes a project widens it.
 */
export class ArgoCdProjectsChart extends Chart {
  constructor(scope: Construct, id: string, props: ArgoCdChartProps) {
    const argo = props.argocd;
    super(scope, id, { namespace: argo.namespace, disableResourceNameHashes: true });
    const { labels } = wiring(props);
    const kinds = uniqueKinds(props.systems.flatMap((s) => s.kinds));
    const namespaces = props.systems.map((s) => s.namespace).sort();
    // The root may create Applications only, and the systems' project bounds what the system folders can do.
    new AppProject(this, 'root-project', {
      metadata: { name: rootName(argo), labels: labels(rootName(argo)) },
      spec: {
        description: `The root app-of-apps of ${props.env}: Argo CD's own objects in ${argo.namespace}, from this repository only`,
        sourceRepos: [argo.repoURL],
        destinations: [{ server: IN_CLUSTER, namespace: argo.namespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: ROOT_KINDS,
      },
    });

    new AppProject(this, 'project', {
      metadata: { name: argo.project, labels: labels(argo.project) },
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
  }
}

function uniqueKinds(kinds: Array<{ group: string; kind: string }>): Array<{ group: string; kind: string }> {
  const byKey = new Map(kinds.map((k) => [`${k.group}/${k.kind}`, k]));
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}
