/**
 * A single-instance pgvector Postgres: StatefulSet with a claim template, a Service of the
 * same name (the seed's host name), and the init ConfigMap built from the system's sql/.
 *
 * How it starts: the image's docker-entrypoint.sh runs initdb into PGDATA on the first
 * start (empty claim), then runs /docker-entrypoint-initdb.d in name order against a
 * socket-only temporary server, then starts `postgres` with the -c settings below.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from '../../lib/project-root';
import { cpuMillis, mebibytes, memoryBytes } from '../../lib/quantity';
import { BACKUP_ROLE, EXPORTER_ROLE, roleSecretName } from '../../lib/secrets';
import { Connection } from './backend-network';
import { checkovSkip, kubeScoreIgnore, tagChecks } from './lint-exceptions';
import { archAffinity, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from './pod-security';
import { PostgresBackup } from './postgres-backup';
import { PostgresMonitoring } from './postgres-monitoring';
import {
  BACKUP_DIR,
  DatabaseRole,
  METRICS_PORT,
  PASSWORD_FILE,
  POSTGRES_PORT,
  POSTGRES_UID,
  ROLE_PASSWORDS_DIR,
  rolePasswordFile,
} from './postgres-common';
import { PostgresConfig } from './postgres-config';
import { postgresCpuSettings, postgresMemorySettings, sharedMemoryBytes } from './postgres-settings';
import { SystemChart } from './system-chart';
import { WorkloadIdentity, imageTag, selectorLabels, workloadLabels } from './workload-identity';

/** Init scripts every system's Postgres runs (the metrics role). */
const COMMON_INIT_SCRIPTS = path.join(PROJECT_ROOT, 'sql', 'common');
const DATA_MOUNT = '/var/lib/postgresql/data';
/** Where the init ConfigMap is mounted: the entrypoint's init scripts, and sql/common/pg_hba.conf. */
const INIT_MOUNT = '/docker-entrypoint-initdb.d';
/** The writable emptyDirs besides /dev/shm, and their size limits. */
const SCRATCH = { run: '16Mi', tmp: '256Mi' };

export interface PgvectorPostgresProps {
  /** Object and DNS name: the seed's host name ("postgres", "db"). */
  readonly name: string;
  /** Image, storage, sizing, backups and metrics, as the config gives them. */
  readonly config: PostgresConfig;
  /** The database POSTGRES_DB creates. */
  readonly database: string;
  /** The superuser POSTGRES_USER creates, and its Secret. */
  readonly admin: DatabaseRole;
  /** Folder of init scripts (the system's sql/), mounted at /docker-entrypoint-initdb.d. */
  readonly initScriptsDir: string;
  /**
   * Further roles whose passwords the init scripts read from files.
   * @default none
   */
  readonly serviceRoles?: DatabaseRole[];
  /**
   * Further environment of the postgres container, read by the init scripts.
   * @default none
   */
  readonly initEnv?: Record<string, string>;
  /**
   * Extra `postgres -c` settings (after the memory-derived ones).
   * @default none
   */
  readonly extraSettings?: Record<string, string>;
  /**
   * POSTGRES_INITDB_ARGS, e.g. "--data-checksums".
   * @default none
   */
  readonly initdbArgs?: string;
}

export class PgvectorPostgres extends Construct {
  /** The Service name clients connect to. */
  public readonly host: string;
  public readonly port = POSTGRES_PORT;
  public readonly image: string;
  /** The claim of the dumps' volume, made from the `backups` claim template for pod 0. */
  public readonly backupClaim: string;
  /** The backup CronJob, when backups are on. */
  public readonly backup?: PostgresBackup;
  /** Who may scrape the metrics sidecar: network connections for the system's policies. */
  public readonly scrapers: Connection[];
  /** The backup's CronJobs (their pods' names), for the system's policies. */
  public sideWorkloads: string[] = [];
  /** What the backup's pods reach: the database, and the off-node target. */
  public sideConnections: Connection[] = [];
  /** None: the StatefulSet's pods are in these manifests. */
  public readonly operatorPods: string[] = [];

  constructor(scope: Construct, id: string, props: PgvectorPostgresProps) {
    super(scope, id);
    const { system, cluster } = SystemChart.of(this);
    this.host = props.name;
    this.image = props.config.image;
    this.backupClaim = `backups-${props.name}-0`;
    const identity = { name: props.name, system: system.name, component: 'database', version: imageTag(props.config.image) };
    const labels = workloadLabels(identity);
    const metrics = props.config.metrics;
    const exporter = { role: EXPORTER_ROLE, secretName: roleSecretName(EXPORTER_ROLE) };
    const backupRole = { role: BACKUP_ROLE, secretName: roleSecretName(BACKUP_ROLE) };
    const backups = props.config.backup.enabled;
    const roles = [props.admin, ...(props.serviceRoles ?? []), ...(metrics.enabled ? [exporter] : []), ...(backups ? [backupRole] : [])];
    this.scrapers = metrics.enabled ? [{ from: { kind: 'pods', ...metrics.scrapeFrom }, to: props.name, port: METRICS_PORT }] : [];

    const initScripts = new k8s.KubeConfigMap(this, 'init', {
      metadata: { name: `${props.name}-init`, labels },
      data: readScripts([COMMON_INIT_SCRIPTS, props.initScriptsDir]),
    });

    // The Service clients use, and the headless one that governs the StatefulSet's pod names.
    const ports = [{ name: 'postgres', port: POSTGRES_PORT, targetPort: k8s.IntOrString.fromString('postgres'), protocol: 'TCP' }];
    const metricsPort = { name: 'metrics', port: METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' };
    const headless = `${props.name}-headless`;
    new k8s.KubeService(this, 'service', {
      metadata: { name: props.name, labels },
      spec: { type: 'ClusterIP', selector: selectorLabels(identity), ports: [...ports, ...(metrics.enabled ? [metricsPort] : [])] },
    });
    new k8s.KubeService(this, 'headless', {
      metadata: { name: headless, labels },
      spec: { clusterIp: 'None', selector: selectorLabels(identity), ports },
    });

    const containers = [postgresContainer(props), ...(metrics.enabled ? [exporterContainer(metrics.image, props.database, exporter)] : [])];
    const statefulSet: k8s.KubeStatefulSetProps = {
      metadata: {
        name: props.name,
        labels,
        annotations: {
          ...kubeScoreIgnore('container-image-pull-policy', 'container-security-context-user-group-id'),
          ...checkovSkip(...tagChecks(containers), 'CKV_K8S_40'),
        },
      },
      spec: {
        serviceName: headless,
        replicas: 1,
        selector: { matchLabels: selectorLabels(identity) },
        updateStrategy: { type: 'RollingUpdate' },
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
        template: {
          metadata: {
            labels,
            annotations: metrics.enabled ? { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT) } : undefined,
          },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurity(POSTGRES_UID),
            affinity: archAffinity(cluster.arm64),
            // Long enough for the preStop fast shutdown to write its checkpoint on an SD card.
            terminationGracePeriodSeconds: 120,
            containers,
            volumes: [...podVolumes(props, initScripts.name, roles), ...(metrics.enabled ? [rolePasswordFile(exporter).volume] : [])],
          },
        },
        volumeClaimTemplates: claimTemplates(props, identity, cluster.storageClass),
      },
    };
    // The typed claim template has no apiVersion/kind (KubeStatefulSet strips them), but
    // without them Argo CD compares against the server's defaulted object and shows the
    // StatefulSet OutOfSync forever. So the typed props are rendered, then completed.
    const manifest = k8s.toJson_KubeStatefulSetProps(statefulSet) as { spec: { volumeClaimTemplates: object[] } };
    manifest.spec.volumeClaimTemplates = manifest.spec.volumeClaimTemplates.map((t) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      ...t,
    }));
    new ApiObject(this, 'statefulset', { ...k8s.KubeStatefulSet.GVK, ...manifest });

    if (props.config.backup.enabled) {
      this.backup = new PostgresBackup(this, 'backup', {
        db: this,
        database: props.database,
        role: backupRole,
        config: props.config.backup,
      });
      this.sideWorkloads = [this.backup.name, ...(this.backup.checkName ? [this.backup.checkName] : [])];
      this.sideConnections = this.backup.connections;
    }
    if (cluster.monitoring.prometheusOperator && metrics.enabled) {
      new PostgresMonitoring(this, 'monitoring', {
        name: props.name,
        selector: selectorLabels(identity),
        engine: 'statefulset',
        backupCronJob: this.backup?.name,
        offsiteCheckCronJob: this.backup?.checkName,
      });
    }
  }
}

/** The postgres container: settings derived from its limits, passwords from files, probes over TCP and the socket. */
function postgresContainer(props: PgvectorPostgresProps): k8s.Container {
  const memoryLimit = memoryBytes(props.config.resources.memory)!;
  const settings = {
    ...postgresMemorySettings(memoryLimit, props.config.maxConnections),
    ...postgresCpuSettings(cpuMillis(props.config.resources.cpu)!),
    ...props.extraSettings,
    // Password authentication for every TCP connection, loopback included (sql/common/pg_hba.conf).
    hba_file: `${INIT_MOUNT}/pg_hba.conf`,
  };
  const pgIsReady = (...where: string[]) => [
    'pg_isready',
    ...where,
    `--username=${props.admin.role}`,
    `--dbname=${props.database}`,
    '--quiet',
  ];
  const overTcp = pgIsReady('--host=127.0.0.1', `--port=${POSTGRES_PORT}`);
  const resources = resourceRequirements({ requests: props.config.resources, limits: props.config.resources }, Object.values(SCRATCH));
  return {
    name: 'postgres',
    image: props.config.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['postgres', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
    env: [
      { name: 'POSTGRES_USER', value: props.admin.role },
      { name: 'POSTGRES_DB', value: props.database },
      { name: 'POSTGRES_PASSWORD_FILE', value: `${ROLE_PASSWORDS_DIR}/${props.admin.role}` },
      ...(props.initdbArgs ? [{ name: 'POSTGRES_INITDB_ARGS', value: props.initdbArgs }] : []),
      // A subdirectory: the claim's root may hold lost+found or belong to root.
      { name: 'PGDATA', value: `${DATA_MOUNT}/pgdata` },
      { name: 'DB_ROLE_PASSWORDS_DIR', value: ROLE_PASSWORDS_DIR },
      ...Object.entries(props.initEnv ?? {}).map(([name, value]) => ({ name, value })),
    ],
    ports: [{ name: 'postgres', containerPort: POSTGRES_PORT, protocol: 'TCP' }],
    // TCP, not the socket: the init-time server listens on the socket only,
    // so the pod is not Ready (and clients wait) until init has finished.
    startupProbe: { exec: { command: overTcp }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
    readinessProbe: { exec: { command: overTcp }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    // Liveness asks the server itself, on its socket: it restarts only a stuck server.
    livenessProbe: { exec: { command: pgIsReady() }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 },
    // Kubernetes sends SIGTERM, which is Postgres' "smart" shutdown that waits for
    // every client to leave; the image's STOPSIGNAL is SIGINT (fast). Do that here.
    lifecycle: { preStop: { exec: { command: ['pg_ctl', 'stop', '--mode=fast', '--wait', '--timeout=100'] } } },
    resources,
    securityContext: restrictedContainerSecurity(POSTGRES_UID),
    volumeMounts: [
      { name: 'data', mountPath: DATA_MOUNT },
      { name: 'init-scripts', mountPath: INIT_MOUNT, readOnly: true },
      { name: 'role-passwords', mountPath: ROLE_PASSWORDS_DIR, readOnly: true },
      { name: 'run', mountPath: '/var/run/postgresql' },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'shm', mountPath: '/dev/shm' },
      // The dumps, to restore from inside the pod (npm run restore).
      { name: 'backups', mountPath: BACKUP_DIR, readOnly: true },
    ],
  };
}

/** The pod's volumes: init scripts, one password file per role, scratch space and a /dev/shm sized from the limit. */
function podVolumes(props: PgvectorPostgresProps, initConfigMap: string, roles: DatabaseRole[]): k8s.Volume[] {
  return [
    { name: 'init-scripts', configMap: { name: initConfigMap, defaultMode: 0o444 } },
    {
      name: 'role-passwords',
      projected: {
        defaultMode: 0o440,
        sources: roles.map((r) => ({ secret: { name: r.secretName, items: [{ key: 'password', path: r.role }] } })),
      },
    },
    scratchVolume('run', SCRATCH.run),
    scratchVolume('tmp', SCRATCH.tmp),
    scratchVolume('shm', mebibytes(sharedMemoryBytes(memoryBytes(props.config.resources.memory)!)), 'Memory'),
  ];
}

/** The data claim, and the backups claim (always there: claim templates cannot change in place). */
function claimTemplates(
  props: PgvectorPostgresProps,
  identity: WorkloadIdentity,
  storageClass: string,
): k8s.KubePersistentVolumeClaimProps[] {
  const claim = (name: string, className: string, size: string): k8s.KubePersistentVolumeClaimProps => ({
    metadata: { name, labels: selectorLabels(identity) },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: className,
      resources: { requests: { storage: k8s.Quantity.fromString(size) } },
    },
  });
  // The backups claim is created with the pod, so local-path binds it with the database, on its node.
  return [
    claim('data', storageClass, props.config.storage),
    claim('backups', props.config.backup.storageClass ?? storageClass, props.config.backup.size),
  ];
}

/** The init scripts of the folders, by file name (the entrypoint runs them in that order). */
function readScripts(dirs: string[]): Record<string, string> {
  const files = dirs.flatMap((dir) =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [e.name, path.join(dir, e.name)]),
  );
  const names = files.map(([f]) => f);
  const twice = names.find((f, i) => names.indexOf(f) !== i);
  if (twice) throw new Error(`init script ${twice} is in two of ${dirs.join(', ')}: one would silently replace the other; rename one`);
  return Object.fromEntries(files.sort(([a], [b]) => (a < b ? -1 : 1)).map(([f, file]) => [f, fs.readFileSync(file, 'utf8')]));
}

/**
 * postgres_exporter beside Postgres, reading it over the pod's loopback as the
 * pg_monitor-only role. How it starts: the image's entrypoint runs postgres_exporter, which
 * serves /metrics on 9187.
 */
function exporterContainer(image: string, database: string, role: DatabaseRole): k8s.Container {
  const port = k8s.IntOrString.fromString('metrics');
  // Requests equal limits, as for Postgres: the pod stays Guaranteed QoS with the sidecar.
  const resources = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } };
  return {
    name: 'metrics',
    image,
    imagePullPolicy: 'IfNotPresent',
    env: [
      { name: 'DATA_SOURCE_URI', value: `127.0.0.1:${POSTGRES_PORT}/${database}?sslmode=disable` },
      { name: 'DATA_SOURCE_USER', value: role.role },
      // postgres_exporter reads the password from this file (its *_FILE variables), never from env.
      { name: 'DATA_SOURCE_PASS_FILE', value: PASSWORD_FILE },
    ],
    volumeMounts: [rolePasswordFile(role).mount],
    ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
    startupProbe: { tcpSocket: { port }, periodSeconds: 5, failureThreshold: 24 },
    readinessProbe: { httpGet: { path: '/metrics', port }, periodSeconds: 30, timeoutSeconds: 10 },
    livenessProbe: { tcpSocket: { port }, periodSeconds: 30, timeoutSeconds: 5 },
    resources: resourceRequirements(resources),
    securityContext: restrictedContainerSecurity(POSTGRES_UID),
  };
}
