/**
 * A system's Postgres on the CloudNativePG engine (postgres.engine: cloudnative-pg): a `Cluster`
 * of `instances` on distinct nodes, its roles and database declared, continuous WAL archiving
 * and scheduled base backups to an S3-compatible object store through the Barman Cloud plugin.
 *
 * How it starts: the CloudNativePG operator (1.30, installed once: README) sees the Cluster,
 * runs initdb in a Job (the database, its owner from the owner's Secret, data checksums, then the
 * system's post-init SQL as the superuser in the application database), starts the primary and
 * clones the replicas; it then creates each DatabaseRole (LOGIN, the password of its Secret) and
 * reconciles the Database (its extensions). The Barman Cloud plugin injects its sidecar into the
 * instances, which archives every WAL segment to the ObjectStore; the ScheduledBackup takes a
 * base backup there on its schedule. Clients use the `<name>-rw` Service (the primary) or
 * `<name>-ro` (the replicas); the operator keeps its own PodDisruptionBudgets and TLS.
 */
import * as fs from 'fs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { cpuMillis, memoryBytes } from '../../lib/quantity';
import { Connection } from './backend-network';
import { CloudnativePgConfig } from './cnpg-config';
import { POSTGRES_PORT, DatabaseRole } from './postgres-common';
import { PostgresConfig } from './postgres-config';
import { postgresCpuSettings, postgresMemorySettings } from './postgres-settings';
import { PostgresMonitoring } from './postgres-monitoring';
import { SystemChart } from './system-chart';
import { imageTag, selectorLabels, workloadLabels } from './workload-identity';

/** The Barman Cloud plugin's name, as the Cluster, the ScheduledBackup and a recovery name it. */
export const BARMAN_PLUGIN = 'barman-cloud.cloudnative-pg.io';
/** The port the operator reaches each instance's status endpoint on (and instances each other's). */
const STATUS_PORT = 8000;
/** The Secret keys the plugin reads the object store's credentials from. */
export const OBJECT_STORE_KEYS = { accessKeyId: 'ACCESS_KEY_ID', secretAccessKey: 'ACCESS_SECRET_KEY' } as const;

/** The Secret of a cluster's object store credentials: "<name>-object-store". */
export const objectStoreSecretName = (name: string) => `${name}-object-store`;

export interface CnpgPostgresProps {
  /** The Cluster's name: its Services are `<name>-rw`, `<name>-ro`, `<name>-r`. */
  readonly name: string;
  /** Sizing, storage and the engine's own settings, as the config gives them. */
  readonly config: PostgresConfig;
  /** The application database initdb creates. */
  readonly database: string;
  /**
   * Its owner, created by initdb: with the password of its Secret (basic-auth) when it has one,
   * else the operator generates `<name>-app` (an owner no workload uses).
   */
  readonly owner: { readonly role: string; readonly secretName?: string };
  /**
   * Login roles the operator creates, each with the password of its Secret.
   * @default none
   */
  readonly serviceRoles?: DatabaseRole[];
  /**
   * A plain SQL file run once by initdb as the superuser in the application database.
   * @default none
   */
  readonly postInitSql?: string;
  /**
   * Extensions the operator keeps in the application database.
   * @default ['vector']
   */
  readonly extensions?: string[];
}

export class CnpgPostgres extends Construct {
  /** The read-write Service clients connect to (the primary). */
  public readonly host: string;
  public readonly port = POSTGRES_PORT;
  public readonly image: string;
  /** Who may scrape the instances' metrics (CloudNativePG's own exporter on 9187). */
  public readonly scrapers: Connection[];
  /** No pods besides the instances (and the operator's Jobs, which carry the instances' labels). */
  public readonly sideWorkloads: string[] = [];
  /** What the instances need: the operator in, each other, the API server and the object store out. */
  public readonly sideConnections: Connection[];
  /** The instances: the operator makes their pods. */
  public readonly operatorPods: string[];

  constructor(scope: Construct, id: string, props: CnpgPostgresProps) {
    super(scope, id);
    const { system, cluster } = SystemChart.of(this);
    const cnpg: CloudnativePgConfig = props.config.cloudnativePg;
    const store = cnpg.objectStore!;
    const apiServer = cnpg.apiServer!;
    this.host = `${props.name}-rw`;
    this.operatorPods = [props.name];
    this.image = cnpg.image;
    const identity = { name: props.name, system: system.name, component: 'database', version: imageTag(cnpg.image) };
    const labels = workloadLabels(identity);
    const metadata = (name: string, component = 'database') => ({ name, labels: { ...labels, 'app.kubernetes.io/component': component } });
    const clusterRef = { name: props.name };
    const storeName = `${props.name}-store`;

    this.scrapers = props.config.metrics.enabled
      ? [{ from: { kind: 'pods', ...props.config.metrics.scrapeFrom }, to: props.name, port: 9187 }]
      : [];
    const operator = { kind: 'pods', ...cnpg.operator } as const;
    this.sideConnections = [
      { from: operator, to: props.name, port: STATUS_PORT },
      { from: operator, to: props.name, port: POSTGRES_PORT },
      { from: props.name, to: props.name, port: POSTGRES_PORT },
      { from: props.name, to: props.name, port: STATUS_PORT },
      { from: props.name, to: { kind: 'cidr', cidr: apiServer.cidr }, port: apiServer.port },
      { from: props.name, to: { kind: 'cidr', cidr: store.network.cidr }, port: store.network.port },
    ];

    new ApiObject(this, 'object-store', {
      apiVersion: 'barmancloud.cnpg.io/v1',
      kind: 'ObjectStore',
      metadata: metadata(storeName, 'backup-store'),
      spec: {
        retentionPolicy: store.retention,
        configuration: {
          destinationPath: `s3://${store.bucket}/${store.path}/`,
          endpointURL: store.endpoint.replace(/\/$/, ''),
          s3Credentials: {
            accessKeyId: { name: objectStoreSecretName(props.name), key: OBJECT_STORE_KEYS.accessKeyId },
            secretAccessKey: { name: objectStoreSecretName(props.name), key: OBJECT_STORE_KEYS.secretAccessKey },
          },
          wal: { compression: 'gzip', maxParallel: 2 },
          data: { compression: 'gzip', jobs: 2 },
        },
        instanceSidecarConfiguration: {
          // boto3 1.36+ sends checksums that MinIO and Garage refuse unless asked (the plugin's documented fix).
          env: [
            { name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' },
            { name: 'AWS_RESPONSE_CHECKSUM_VALIDATION', value: 'when_required' },
          ],
          // Requests equal limits: the instances stay Guaranteed QoS with the sidecar.
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
        },
      },
    });

    if (props.postInitSql) {
      new k8s.KubeConfigMap(this, 'post-init', {
        metadata: metadata(`${props.name}-post-init`),
        data: { 'post-init.sql': fs.readFileSync(props.postInitSql, 'utf8') },
      });
    }

    const memory = memoryBytes(props.config.resources.memory)!;
    const settings = {
      ...postgresMemorySettings(memory, props.config.maxConnections),
      ...postgresCpuSettings(cpuMillis(props.config.resources.cpu)!),
    };
    const resources = { requests: props.config.resources, limits: props.config.resources };
    new ApiObject(this, 'cluster', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: metadata(props.name),
      spec: {
        instances: cnpg.instances,
        imageName: cnpg.image,
        imagePullPolicy: 'IfNotPresent',
        // Every pod and Job of the cluster carries the workload's labels, which its NetworkPolicy selects.
        inheritedMetadata: { labels: selectorLabels(identity) },
        postgresql: { parameters: Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)])) },
        bootstrap: {
          initdb: {
            database: props.database,
            owner: props.owner.role,
            ...(props.owner.secretName ? { secret: { name: props.owner.secretName } } : {}),
            dataChecksums: true,
            ...(props.postInitSql
              ? { postInitApplicationSQLRefs: { configMapRefs: [{ name: `${props.name}-post-init`, key: 'post-init.sql' }] } }
              : {}),
          },
        },
        storage: { size: props.config.storage, storageClass: cluster.storageClass },
        resources,
        affinity: {
          enablePodAntiAffinity: true,
          podAntiAffinityType: 'required',
          topologyKey: 'kubernetes.io/hostname',
          ...(cluster.arm64 ? { nodeSelector: { 'kubernetes.io/arch': 'arm64' } } : {}),
        },
        // One instance: a PodDisruptionBudget would block every drain of its node.
        enablePDB: cnpg.instances > 1,
        plugins: [{ name: BARMAN_PLUGIN, isWALArchiver: true, parameters: { barmanObjectName: storeName, serverName: props.name } }],
      },
    });

    new ApiObject(this, 'scheduled-backup', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'ScheduledBackup',
      metadata: metadata(`${props.name}-base-backup`),
      spec: {
        schedule: cnpg.backupSchedule,
        immediate: true,
        backupOwnerReference: 'self',
        cluster: clusterRef,
        method: 'plugin',
        pluginConfiguration: { name: BARMAN_PLUGIN },
      },
    });

    for (const role of props.serviceRoles ?? []) {
      new ApiObject(this, `role-${role.role}`, {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'DatabaseRole',
        metadata: metadata(`${props.name}-${role.role.replace(/_/g, '-')}`),
        spec: {
          cluster: clusterRef,
          name: role.role,
          login: true,
          superuser: false,
          createdb: false,
          createrole: false,
          replication: false,
          bypassrls: false,
          passwordSecret: { name: role.secretName },
        },
      });
    }

    new ApiObject(this, 'database', {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Database',
      metadata: metadata(`${props.name}-${props.database}`),
      spec: {
        cluster: clusterRef,
        name: props.database,
        owner: props.owner.role,
        databaseReclaimPolicy: 'retain',
        extensions: (props.extensions ?? ['vector']).map((name) => ({ name, ensure: 'present' })),
      },
    });

    if (cluster.monitoring.prometheusOperator && props.config.metrics.enabled) {
      new PostgresMonitoring(this, 'monitoring', { name: props.name, selector: selectorLabels(identity), engine: 'cloudnative-pg' });
    }
  }
}
