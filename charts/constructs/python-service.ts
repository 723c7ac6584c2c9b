/**
 * A Python service of a seed (a FastAPI app under uvicorn, or a worker): a Deployment,
 * plus a Service of the same name when it listens on a port.
 *
 * How it starts: an init container runs `pg_isready` against the database until it
 * accepts connections (the compose file's `depends_on: condition: service_healthy`);
 * then the image's own entrypoint starts the app (the seed's `uvicorn <package>.main:app`).
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { ContainerResources } from '../../lib/schema';
import { CheckovCheck, checkovSkip, envSecretChecks, kubeScoreIgnore, tagChecks } from './lint-exceptions';
import { archAffinity, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from './pod-security';
import { SystemChart } from './system-chart';
import { WorkloadIdentity, selectorLabels, workloadLabels } from './workload-identity';

/** uid/gid the Python images run as (above 10000, so it clashes with no host user). */
export const APP_UID = 10001;

/** An environment variable taken from a Secret. */
export interface SecretKey {
  readonly secret: string;
  readonly key: string;
  /** The variable is left unset when the key is absent (an optional API key). */
  readonly optional?: boolean;
}

/** The database the service waits for before it starts. */
export interface DatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  /** An image with pg_isready: the database's own. */
  readonly image: string;
}

export interface HttpEndpoint {
  readonly port: number;
  readonly healthPath: string;
  /** The Service: ClusterIP on the container port unless said otherwise. */
  readonly service?: { readonly type: 'ClusterIP' | 'LoadBalancer'; readonly port: number };
}

export interface PythonServiceProps {
  /** Its name (also the Service's and DNS name), component and version; the system is the chart's. */
  readonly identity: Omit<WorkloadIdentity, 'system'>;
  readonly image: string;
  readonly replicas: number;
  readonly resources: ContainerResources;
  /** The seed's environment, in the seed's order: plain values or Secret keys. */
  readonly env: Record<string, string | SecretKey>;
  /** The port it listens on; with it come a Service and HTTP probes. */
  readonly http?: HttpEndpoint;
  /** Probe command for a service without HTTP (a worker). */
  readonly execProbe?: string[];
  readonly waitFor: DatabaseEndpoint;
  /**
   * Writable folders besides /tmp (the root filesystem is read-only): volume name → path.
   * @default none
   */
  readonly scratchDirs?: Record<string, string>;
  /**
   * Seconds the app may take to start before liveness applies (the prediction API
   * downloads its embedding model on first start).
   * @default 120
   */
  readonly startupSeconds?: number;
}

export class PythonService extends Construct {
  public readonly name: string;
  public readonly port?: number;

  constructor(scope: Construct, id: string, props: PythonServiceProps) {
    super(scope, id);
    const { system, cluster } = SystemChart.of(this);
    const identity: WorkloadIdentity = { ...props.identity, system: system.name };
    const startupSeconds = props.startupSeconds ?? 120;
    if (!(startupSeconds >= 1))
      throw new Error(`${props.identity.name}: startupSeconds must be at least 1 (0 would give the API server's default of 15 s)`);
    this.name = identity.name;
    this.port = props.http?.port;
    const labels = workloadLabels(identity);
    const scratch = { tmp: '/tmp', ...props.scratchDirs };
    const scratchSize = (name: string) => (name === 'tmp' ? '128Mi' : '1Gi');

    const pod: k8s.PodSpec = {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: restrictedPodSecurity(APP_UID),
      affinity: archAffinity(cluster.arm64),
      terminationGracePeriodSeconds: 30,
      initContainers: [waitForDatabase(props.waitFor)],
      containers: [
        {
          name: props.identity.component === 'worker' ? 'worker' : 'api',
          image: props.image,
          imagePullPolicy: 'IfNotPresent',
          env: Object.entries(props.env).map(([name, value]) => envVar(name, value)),
          ports: props.http ? [{ name: 'http', containerPort: props.http.port, protocol: 'TCP' }] : undefined,
          ...probes(props, startupSeconds),
          resources: resourceRequirements(props.resources, Object.keys(scratch).map(scratchSize)),
          securityContext: restrictedContainerSecurity(APP_UID),
          volumeMounts: Object.entries(scratch).map(([name, mountPath]) => ({ name, mountPath })),
        },
      ],
      volumes: Object.keys(scratch).map((name) => scratchVolume(name, scratchSize(name))),
      topologySpreadConstraints: props.replicas > 1 ? [spreadOverNodes(selectorLabels(identity))] : undefined,
    };
    const containers = [...(pod.initContainers ?? []), ...pod.containers];
    // Checkov: tags not digests, the seed's Secrets in env, and a worker without readiness (lint-exceptions.ts).
    const checkov: CheckovCheck[] = [
      ...tagChecks(containers),
      ...envSecretChecks(containers),
      ...(props.http ? [] : ['CKV_K8S_9' as const]),
    ];

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: {
        name: this.name,
        labels,
        annotations: {
          ...kubeScoreIgnore(
            'container-image-pull-policy',
            'deployment-replicas',
            ...(props.replicas > 1 ? (['deployment-has-host-podantiaffinity'] as const) : []),
          ),
          ...checkovSkip(...checkov),
        },
      },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selectorLabels(identity) },
        // Never below the wanted replicas during a rollout; one extra pod at a time.
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
        },
        template: { metadata: { labels }, spec: pod },
      },
    });

    // More than one replica: a drain takes at most one at a time. One replica gets no budget, which
    // would forbid every voluntary eviction and so block draining its node.
    if (props.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'disruption-budget', {
        metadata: { name: this.name, labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(identity) } },
      });
    }

    if (props.http) {
      new k8s.KubeService(this, 'service', {
        metadata: { name: this.name, labels },
        spec: {
          type: props.http.service?.type ?? 'ClusterIP',
          selector: selectorLabels(identity),
          ports: [
            {
              name: 'http',
              port: props.http.service?.port ?? props.http.port,
              targetPort: k8s.IntOrString.fromString('http'),
              protocol: 'TCP',
            },
          ],
        },
      });
    }
  }
}

/**
 * Replicas on distinct Pis where there are enough: at most one more on any node than on another
 * (DoNotSchedule), counting only nodes that can take them (a tainted, cordoned or dead Pi is left out,
 * so its pods may reschedule onto the others).
 */
function spreadOverNodes(matchLabels: Record<string, string>): k8s.TopologySpreadConstraint {
  return {
    maxSkew: 1,
    topologyKey: 'kubernetes.io/hostname',
    whenUnsatisfiable: 'DoNotSchedule',
    nodeTaintsPolicy: 'Honor',
    labelSelector: { matchLabels },
  };
}

/**
 * A variable as the container sees it. The kubelet expands "$(NAME)" in values, which would
 * let a configured value read another variable (a Secret's); "$$" is its escape for "$".
 */
function envVar(name: string, value: string | SecretKey): k8s.EnvVar {
  if (typeof value === 'string') return { name, value: value.replace(/\$/g, '$$$$') };
  return { name, valueFrom: { secretKeyRef: { name: value.secret, key: value.key, optional: value.optional } } };
}

/**
 * With a port: startup and readiness on the HTTP health path (which may fail while the
 * database is away: the pod then leaves its Service), liveness on the TCP port (a restart
 * only helps a process that stopped answering, not one whose database is down).
 * Without (a worker, which no Service sends traffic to): startup and liveness on the command.
 */
function probes(
  props: PythonServiceProps,
  startupSeconds: number,
): Pick<k8s.Container, 'startupProbe' | 'readinessProbe' | 'livenessProbe'> {
  const periodSeconds = 5;
  const startup = { periodSeconds, timeoutSeconds: 3, failureThreshold: Math.ceil(startupSeconds / periodSeconds) };
  const liveness = { periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 };
  if (!props.http) {
    if (!props.execProbe) throw new Error(`${props.identity.name}: a service without a port needs an execProbe command`);
    const check: k8s.Probe = { exec: { command: props.execProbe } };
    return { startupProbe: { ...check, ...startup }, livenessProbe: { ...check, ...liveness } };
  }
  const port = k8s.IntOrString.fromString('http');
  const health: k8s.Probe = { httpGet: { path: props.http.healthPath, port } };
  return {
    startupProbe: { ...health, ...startup },
    readinessProbe: { ...health, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    livenessProbe: { tcpSocket: { port }, ...liveness },
  };
}

/** The compose file's depends_on: service_healthy, as an init container. */
function waitForDatabase(db: DatabaseEndpoint): k8s.Container {
  const limits = {
    cpu: k8s.Quantity.fromString('100m'),
    memory: k8s.Quantity.fromString('32Mi'),
    'ephemeral-storage': k8s.Quantity.fromString('64Mi'),
  };
  return {
    name: 'wait-for-database',
    image: db.image,
    imagePullPolicy: 'IfNotPresent',
    command: [
      'sh',
      '-c',
      `until pg_isready --host=${db.host} --port=${db.port} --quiet; do echo "waiting for ${db.host}:${db.port}"; sleep 2; done`,
    ],
    resources: {
      requests: {
        cpu: k8s.Quantity.fromString('10m'),
        memory: k8s.Quantity.fromString('16Mi'),
        'ephemeral-storage': k8s.Quantity.fromString('16Mi'),
      },
      limits,
    },
    securityContext: restrictedContainerSecurity(APP_UID),
  };
}
