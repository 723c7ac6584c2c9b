/**
 * The configuration of one environment (config/<env>.yaml), validated by a zod schema.
 * Every field has a default, so an empty file synthesizes; the environment files state
 * only what differs. The same schema is written to config/schema.json for editors.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { z } from 'zod';
import { cpuMillis, memoryBytes } from './quantity';
import { cronScheduleError, dns1123SubdomainErrors, isTimeZone, labelValueErrors, qualifiedNameErrors } from './k8s-validation';

/** A value as a message shows it: quoted, escaped, and cut short (it may be 1 MB long or hold a newline). */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

const cpu = z
  .union([z.string(), z.number()], { error: 'a CPU quantity such as "250m" or "1"' })
  .transform(String)
  .refine((q) => cpuMillis(q) !== undefined, 'must be a CPU quantity such as "250m" or "1"')
  .refine((q) => cpuMillis(q)! >= 1, 'must be at least 1m (a thousandth of a CPU), such as "250m" or "1"');

const memory = z
  .union([z.string(), z.number()], { error: 'a memory quantity such as "256Mi" or "1Gi"' })
  .transform(String)
  .refine((q) => memoryBytes(q) !== undefined, 'must be a memory quantity such as "256Mi" or "1Gi"')
  .refine((q) => memoryBytes(q)! >= 16 * 2 ** 20, 'must be at least 16Mi: no container starts in less; write a size such as "256Mi" or "1Gi"');

const compute = z.strictObject({ cpu, memory });
type Compute = z.output<typeof compute>;

/** Requests and limits of one container; a request above its limit is refused. */
const containerResources = z
  .strictObject({ requests: compute, limits: compute })
  .superRefine((r, ctx) => {
    if (memoryBytes(r.limits.memory)! < 32 * 2 ** 20) {
      ctx.addIssue({ code: 'custom', path: ['limits', 'memory'], message: 'must be at least 32Mi: a Python service does not start in less' });
    }
    if (cpuMillis(r.limits.cpu)! < 10) {
      ctx.addIssue({ code: 'custom', path: ['limits', 'cpu'], message: 'must be at least 10m: below that the service cannot start within its probes' });
    }
    if (cpuMillis(r.requests.cpu)! > cpuMillis(r.limits.cpu)!) {
      ctx.addIssue({ code: 'custom', path: ['requests', 'cpu'], message: `request ${r.requests.cpu} is above the limit ${r.limits.cpu}: lower the request or raise the limit` });
    }
    if (memoryBytes(r.requests.memory)! > memoryBytes(r.limits.memory)!) {
      ctx.addIssue({ code: 'custom', path: ['requests', 'memory'], message: `request ${r.requests.memory} is above the limit ${r.limits.memory}: lower the request or raise the limit` });
    }
  });
export type ContainerResources = z.output<typeof containerResources>;

/** RFC 1123 label: namespaces and Kubernetes object names. */
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", at most 63 characters');

/** RFC 1123 subdomain: StorageClass and IngressClass names ("nfs.csi.k8s.io"). */
const dnsSubdomain = z.string().refine((v) => dns1123SubdomainErrors(v).length === 0, {
  error: (issue) => `${dns1123SubdomainErrors(String(issue.input))[0] ?? 'must be a DNS name'} (lower-case letters, digits, "-" and ".")`,
});

const IPV4 = /^[0-9]+(\.[0-9]+){3}$/;

/** RFC 1123 subdomain that is not an IP address: Ingress hosts. */
const hostname = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS name such as "api.home.arpa" (lower case, no scheme, no port)')
  .refine((h) => !IPV4.test(h), 'must be a DNS name, not an IP address (Kubernetes refuses IP hosts in an Ingress): use a name such as "api.home.arpa"');

const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag such as "1.0.0"')
  .refine((t) => t !== 'latest', 'must not be "latest": pin a release tag so that a rollback is a git revert');

/** A full image reference pinned to a tag or digest, never ":latest" or untagged. */
const pinnedImage = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._\/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$/, 'must be an image reference with a tag, such as "pgvector/pgvector:0.8.1-pg17-bookworm"')
  .refine((i) => !i.endsWith(':latest'), 'must not be ":latest": pin a release tag');

/** pgvector 0.8.1 on PostgreSQL 17 (Debian bookworm), for both systems: one image to pull on the Pis. */
const PGVECTOR_IMAGE = 'pgvector/pgvector:0.8.1-pg17-bookworm';

/** Pod labels that select other pods (Traefik, DNS, Prometheus): valid, and never empty (empty selects every pod). */
const podSelector = z
  .record(z.string(), z.string())
  .superRefine((labels, ctx) => {
    if (Object.keys(labels).length === 0) {
      ctx.addIssue({ code: 'custom', message: 'must name at least one label: an empty selector matches every pod of the namespace' });
    }
    for (const [key, value] of Object.entries(labels)) {
      const problems = [...qualifiedNameErrors(key).map((e) => `label key ${show(key)} ${e}`), ...labelValueErrors(value).map((e) => `label value ${show(value)} ${e}`)];
      for (const message of problems) ctx.addIssue({ code: 'custom', path: [key], message });
    }
  });

/** Names Postgres keeps for itself: reserved words and the predefined roles' prefix. */
const RESERVED_ROLES = ['public', 'none', 'all', 'user', 'current_user', 'current_role', 'session_user', 'system_user'];

/** A Postgres role name that needs no quoting. */
const roleName = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a Postgres role name: lower-case letters, digits and "_", not starting with a digit, at most 63 characters')
  .refine((r) => !r.startsWith('pg_'), 'must not start with "pg_": Postgres keeps that prefix for its predefined roles (initdb refuses it)')
  .refine((r) => !RESERVED_ROLES.includes(r), `must not be a reserved word (${RESERVED_ROLES.join(', ')}): choose another name`);

/** Where the cluster's own components live: k3s defaults. */
const cluster = z.strictObject({
  /** Pin every pod to arm64 nodes (the Raspberry Pis). */
  arm64: z.boolean().default(false),
  storageClass: dnsSubdomain.default('local-path'),
  ingressClass: dnsSubdomain.default('traefik'),
  traefik: z
    .strictObject({ namespace: dnsLabel.default('kube-system'), podLabels: podSelector.default({ 'app.kubernetes.io/name': 'traefik' }) })
    .prefault({}),
  dns: z
    .strictObject({ namespace: dnsLabel.default('kube-system'), podLabels: podSelector.default({ 'k8s-app': 'kube-dns' }) })
    .prefault({}),
});
export type ClusterConfig = z.output<typeof cluster>;

/**
 * Nightly pg_dump of the database into a volume of its own: its storage class and size are
 * separate from the database's, so the dumps can live on another disk or an NFS class.
 */
const backupSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Cron schedule, in the cluster's time zone unless timeZone is set. */
  schedule: z
    .string()
    .superRefine((schedule, ctx) => {
      const error = cronScheduleError(schedule);
      if (error) ctx.addIssue({ code: 'custom', message: `${error}: write a cron schedule such as "30 3 * * *" (03:30 every day), "0 2 * * MON-FRI" or "@daily"` });
    })
    .default('30 3 * * *'),
  timeZone: z
    .string()
    .refine(isTimeZone, { error: (i) => `${show(i.input)} is not an IANA time zone: write one such as "Europe/Paris" or "UTC"` })
    .optional(),
  /** How many dumps to keep; older ones are deleted after each successful dump. */
  keep: z.int().min(1).max(365).default(7),
  /** The dumps' storage class; the cluster's default class when unset. */
  storageClass: dnsSubdomain.optional(),
  size: memory.refine((q) => memoryBytes(q)! >= 2 ** 30, 'must be at least 1Gi').default('10Gi'),
});
export type BackupConfig = z.output<typeof backupSchema>;

/** An optional postgres_exporter sidecar, for users who run Prometheus. */
const metricsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  image: pinnedImage.default('quay.io/prometheuscommunity/postgres-exporter:v0.17.1'),
  /** The Prometheus pods allowed to scrape it (port 9187). */
  scrapeFrom: z
    .strictObject({ namespace: dnsLabel.default('monitoring'), podLabels: podSelector.default({ 'app.kubernetes.io/name': 'prometheus' }) })
    .prefault({}),
});

/** The pgvector Postgres of one system; requests equal limits (Guaranteed QoS). */
function postgresSchema(defaults: { image: string; storage: string; resources: Compute; maxConnections: number }) {
  return z.strictObject({
    image: pinnedImage.default(defaults.image),
    storage: memory.refine((q) => memoryBytes(q)! >= 2 ** 30, 'must be at least 1Gi: the database volume').default(defaults.storage),
    resources: compute
      .refine((r) => memoryBytes(r.memory)! >= 256 * 2 ** 20, {
        path: ['memory'],
        message: 'must be at least 256Mi: Postgres settings (shared_buffers, work_mem) are derived from it and would not fit',
      })
      .prefault(defaults.resources),
    maxConnections: z.int().min(10).max(1000).default(defaults.maxConnections),
    backup: backupSchema.prefault({}),
    metrics: metricsSchema.prefault({}),
  });
}
export type PostgresConfig = z.output<ReturnType<typeof postgresSchema>>;

/** The longest environment value taken: a longer one belongs in a Secret or ConfigMap file. */
const MAX_ENV_VALUE = 32 * 1024;

const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: 'a single value (text, a number, true or false)' })
  .transform(String)
  .refine((v) => v.length <= MAX_ENV_VALUE, `must be at most ${MAX_ENV_VALUE / 1024} KiB: put a longer value in a file the image reads`);

/** The seed's environment variables of one API: known names only, each with the seed's default. */
function envSchema(defaults: Record<string, string>) {
  const fields = Object.fromEntries(Object.entries(defaults).map(([name, value]) => [name, envValue.default(value)]));
  return z.strictObject(fields).prefault({});
}

export interface ApiDefaults {
  readonly image: string;
  readonly resources: ContainerResources;
  readonly env: Record<string, string>;
  readonly internetEgress: boolean;
  /** The container port, which a PORT variable must equal. */
  readonly port?: number;
}

/** One Python API (or worker) of a system. */
export function apiSchema(defaults: ApiDefaults) {
  return z.strictObject({
    image: dnsLabel.default(defaults.image),
    /** Overrides the system's image tag for this workload only. */
    tag: imageTag.optional(),
    replicas: z.int().min(0).max(20).default(1),
    resources: containerResources.prefault(defaults.resources),
    env: defaults.port === undefined ? envSchema(defaults.env) : envSchema(defaults.env).superRefine(portMatches(defaults.port)),
    /** Allow HTTPS (443) to addresses outside the cluster's private ranges. */
    internetEgress: z.boolean().default(defaults.internetEgress),
  });
}
export type ApiConfig = z.output<ReturnType<typeof apiSchema>>;

/** Where a system's own images are pushed (the seed's `docker buildx --push`) and their release. */
function imagesSchema(tag: string) {
  return z
    .strictObject({
      registry: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(\/[a-z0-9._-]+)*$/, 'must be a registry prefix such as "ghcr.io/me" or "registry.home.arpa:5000"')
        .default('registry.home.arpa:5000'),
      tag: imageTag.default(tag),
    })
    .prefault({});
}

/** BookSync's APIs: Service name, container port and database role, as in the seed's tables. */
export const BOOKSYNC_APIS = {
  auth: { name: 'auth-api', port: 8000, role: 'booksync_auth', passwordKey: 'BOOKSYNC_DB_AUTH_PASSWORD' },
  data: { name: 'data-api', port: 8001, role: 'booksync_data', passwordKey: 'BOOKSYNC_DB_DATA_PASSWORD' },
  prediction: { name: 'prediction-api', port: 8002, role: 'booksync_prediction', passwordKey: 'BOOKSYNC_DB_PREDICTION_PASSWORD' },
} as const;

/** postgres_exporter's monitoring role (sql/common/90-metrics-role.sh). */
export const EXPORTER_ROLE = 'postgres_exporter';

/** Refuses an admin role that is also a role the system creates for a service or the exporter. */
function distinctAdmin(taken: string[]) {
  return (admin: string, ctx: z.RefinementCtx) => {
    if (taken.includes(admin)) {
      ctx.addIssue({ code: 'custom', message: `"${admin}" is also the role of a service or of the metrics exporter, which would then hold superuser rights: choose another name` });
    }
  };
}

/** Refuses a PORT variable that differs from the port the container listens on (probes and Service use that one). */
function portMatches(port: number) {
  return (env: Record<string, string>, ctx: z.RefinementCtx) => {
    if (env.PORT !== undefined && env.PORT !== String(port)) {
      ctx.addIssue({ code: 'custom', path: ['PORT'], message: `must be ${port}, the container port its Service and probes use (the seed's port): remove it or set ${port}` });
    }
  };
}

const smallApi = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

/** BookSync (seed 003): one Postgres shared by the auth, data and prediction APIs. */
const booksync = z.strictObject({
  namespace: dnsLabel.default('booksync'),
  database: z
    .strictObject({
      name: dnsLabel.default('booksync'),
      adminUser: roleName.superRefine(distinctAdmin([...Object.values(BOOKSYNC_APIS).map((a) => a.role), EXPORTER_ROLE])).default('postgres'),
    })
    .prefault({}),
  postgres: postgresSchema({ image: PGVECTOR_IMAGE, storage: '10Gi', resources: { cpu: '1', memory: '1Gi' }, maxConnections: 50 }).prefault({}),
  images: imagesSchema('1.0.0'),
  apis: z
    .strictObject({
      auth: apiSchema({
        image: 'booksync-api-auth',
        resources: smallApi,
        env: { JWT_ALGORITHM: 'HS256', JWT_EXPIRE_MINUTES: '0', HOST: '0.0.0.0', PORT: '8000', DEBUG: 'false', BCRYPT_ROUNDS: '12' },
        internetEgress: true,
        port: BOOKSYNC_APIS.auth.port,
      }).prefault({}),
      data: apiSchema({
        image: 'booksync-api-data',
        resources: smallApi,
        env: { APP_ENV: 'development', APP_DEBUG: 'true' },
        internetEgress: false,
      }).prefault({}),
      prediction: apiSchema({
        image: 'booksync-api-prediction',
        resources: { requests: { cpu: '250m', memory: '768Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        env: {
          DATABASE_ECHO: 'false',
          VECTOR_DIMENSION: '384',
          SIMILARITY_THRESHOLD: '0.7',
          EMBEDDING_MODEL: 'all-MiniLM-L6-v2',
          EMBEDDING_BATCH_SIZE: '32',
          DEVICE: 'cpu',
          HOST: '0.0.0.0',
          PORT: '8002',
        },
        internetEgress: true,
        port: BOOKSYNC_APIS.prediction.port,
      }).prefault({}),
    })
    .prefault({}),
  ingress: z
    .strictObject({
      enabled: z.boolean().default(false),
      hosts: z
        .strictObject({
          auth: hostname.default('auth.booksync.home.arpa'),
          data: hostname.default('data.booksync.home.arpa'),
          prediction: hostname.default('prediction.booksync.home.arpa'),
        })
        .prefault({}),
      /** A TLS Secret (for example from cert-manager) covering the hosts; none means plain HTTP. */
      tlsSecretName: dnsLabel.optional(),
    })
    .prefault({}),
});
export type BookSyncConfig = z.output<typeof booksync>;

/**
 * MnemoLite (seed 000, v1.3.0): Postgres "db", the API and an optional worker. The
 * defaults are the seed's compose limits (api 1 CPU/1G, worker 0.5 CPU/512M, db 2 CPU/4G):
 * the ceiling, which dev keeps and prod brings down to Pi size.
 */
const mnemolite = z.strictObject({
  namespace: dnsLabel.default('mnemolite'),
  database: z.strictObject({ name: dnsLabel.default('mnemolite'), user: roleName.superRefine(distinctAdmin([EXPORTER_ROLE])).default('mnemo') }).prefault({}),
  postgres: postgresSchema({ image: PGVECTOR_IMAGE, storage: '10Gi', resources: { cpu: '2', memory: '4Gi' }, maxConnections: 100 })
    .extend({
      /** Extensions the configured image provides besides pgvector (the pgvector images have neither). */
      extensions: z.strictObject({ pg_partman: z.boolean().default(false), pg_cron: z.boolean().default(false) }).prefault({}),
    })
    .superRefine((pg, ctx) => {
      const wanted = Object.entries(pg.extensions).filter(([, on]) => on).map(([name]) => name);
      if (wanted.length > 0 && pg.image.startsWith('pgvector/pgvector:')) {
        ctx.addIssue({ code: 'custom', path: ['extensions'], message: `${wanted.join(' and ')} ${wanted.length > 1 ? 'are' : 'is'} not in ${pg.image}: set postgres.image to an image that provides them, or turn them off` });
      }
    })
    .prefault({}),
  images: imagesSchema('1.3.0'),
  api: apiSchema({
    image: 'mnemo-api',
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    env: { ENVIRONMENT: 'development' },
    internetEgress: true,
  }).prefault({}),
  worker: apiSchema({
    image: 'mnemo-worker',
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
    env: { ENVIRONMENT: 'development', PYTHONUNBUFFERED: '1' },
    internetEgress: false,
  })
    // The worker is on the seed's backend network only (internal: true): no way out.
    .omit({ internetEgress: true })
    .extend({
      /** The seed marks the worker optional. */
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  /** How users reach the API: Traefik on a host, or a ServiceLB LoadBalancer on the seed's API_PORT. */
  expose: z
    .strictObject({
      mode: z.enum(['ingress', 'loadBalancer']).default('ingress'),
      host: hostname.default('mnemolite.home.arpa'),
      loadBalancerPort: z.int().min(1).max(65535).default(8001),
      tlsSecretName: dnsLabel.optional(),
    })
    .prefault({}),
});
export type MnemoLiteConfig = z.output<typeof mnemolite>;

/** How Secrets reach the cluster: created out of band (`npm run secrets`), or as SealedSecrets in dist/. */
const secrets = z.strictObject({
  mode: z.enum(['external', 'sealed']).default('external'),
  /** The sealed-secrets controller, where kubeseal --fetch-cert finds it. */
  controller: z.strictObject({ name: dnsLabel.default('sealed-secrets-controller'), namespace: dnsLabel.default('kube-system') }).prefault({}),
});

/** The Argo CD that syncs this repository's dist/<env>/ into the cluster. */
const argocd = z.strictObject({
  namespace: dnsLabel.default('argocd'),
  /** This repository, as Argo CD clones it. */
  repoURL: z
    .string()
    .refine((url) => !/^[a-z+]+:\/\/[^/@\s]*@/.test(url) || /^ssh:\/\/[\w.-]+@/.test(url), {
      error: 'must not hold a user name, password or token (it is copied into dist/ in git): give Argo CD the credentials as a repository Secret '
        + '(label argocd.argoproj.io/secret-type: repository) and write the URL without them',
    })
    .regex(/^(https?:\/\/[^\s/]+\/\S+|ssh:\/\/\S+|[\w.-]+@[\w.-]+:\S+)$/, 'must be the URL Argo CD clones this repository from: "https://git.home.arpa/homelab/pi-gitops.git" or "git@git.home.arpa:homelab/pi-gitops.git"')
    .default('https://git.home.arpa/homelab/pi-gitops.git'),
  targetRevision: z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a branch, tag or commit without "/" (it is also a label value), such as "main"').default('main'),
  /** Where dist/ sits in that repository: "dist" here, "" when only dist/ is pushed to a GitOps repo. */
  distPath: z
    .string()
    .regex(/^([A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*)?$/, 'must be a relative folder such as "dist", or "" for the repository root')
    .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), 'must stay inside the repository: no "." or ".." parts (such as "dist" or "gitops/dist")')
    .default('dist'),
  /** The AppProject of the system Applications ("default" is Argo CD's own, unrestricted). */
  project: dnsLabel
    .refine((p) => p !== 'default', 'must not be "default": that is Argo CD\'s built-in, unrestricted project, which this would overwrite; keep "pi-gitops"')
    .default('pi-gitops'),
});
export type ArgoCdConfig = z.output<typeof argocd>;

/** The config sections of the systems, each with its own namespace. */
const SYSTEM_SECTIONS = ['booksync', 'mnemolite'] as const;

/** The Ingress hosts a system serves in this configuration: config path below the system → host. */
function ingressHosts(env: z.output<typeof environmentSections>, system: (typeof SYSTEM_SECTIONS)[number]): Array<[string[], string]> {
  if (system === 'booksync') {
    const ingress = env.booksync.ingress;
    return ingress.enabled ? Object.entries(ingress.hosts).map(([api, host]) => [['ingress', 'hosts', api], host]) : [];
  }
  return env.mnemolite.expose.mode === 'ingress' ? [[['expose', 'host'], env.mnemolite.expose.host]] : [];
}

const environmentSections = z.strictObject({
  cluster: cluster.prefault({}),
  secrets: secrets.prefault({}),
  argocd: argocd.prefault({}),
  booksync: booksync.prefault({}),
  mnemolite: mnemolite.prefault({}),
});

export const environmentSchema = environmentSections.superRefine((env, ctx) => {
    const reserved = new Map([
      ['default', 'Kubernetes\' default namespace'],
      [env.argocd.namespace, 'Argo CD\'s namespace (argocd.namespace)'],
      [env.secrets.controller.namespace, 'the sealed-secrets controller\'s namespace (secrets.controller.namespace)'],
      [env.cluster.traefik.namespace, 'Traefik\'s namespace (cluster.traefik.namespace)'],
      [env.cluster.dns.namespace, 'the cluster DNS\'s namespace (cluster.dns.namespace)'],
    ]);
    const owners = new Map<string, string>();
    const hosts = new Map<string, string>();
    for (const system of SYSTEM_SECTIONS) {
      const namespace = env[system].namespace;
      const at = [system, 'namespace'];
      const problem = namespace.startsWith('kube-') ? 'a Kubernetes system namespace (kube-*)' : reserved.get(namespace);
      const taken = owners.get(namespace);
      if (problem) {
        ctx.addIssue({ code: 'custom', path: at, message: `"${namespace}" is ${problem}: its default-deny policies would cut off what runs there; give ${system} its own namespace` });
      } else if (taken) {
        ctx.addIssue({ code: 'custom', path: at, message: `"${namespace}" is ${taken}'s namespace too: give each system its own` });
      }
      owners.set(namespace, system);
      for (const [field, host] of ingressHosts(env, system)) {
        if (hosts.has(host)) ctx.addIssue({ code: 'custom', path: [system, ...field], message: `host "${host}" is already served by ${hosts.get(host)}: give each its own host` });
        hosts.set(host, [system, ...field].join('.'));
      }
    }
  });
export type EnvironmentConfig = z.output<typeof environmentSchema>;

/** A configuration the user has to fix; the message names the file, the field and the fix. */
export class ConfigError extends Error {}

/** An environment's name: the file name of config/<env>.yaml, also a folder of dist/. */
const ENV_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The largest config file read: a bigger one is a mistake (or an attack), not a configuration. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The environments that have a config/<env>.yaml, sorted. */
export function listEnvironments(configDir: string): string[] {
  if (!fs.existsSync(configDir) || !fs.statSync(configDir).isDirectory()) {
    throw new ConfigError(`--config ${configDir}: no such folder: give the folder that holds <env>.yaml files (config by default)`);
  }
  return fs
    .readdirSync(configDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .filter((env) => ENV_NAME.test(env))
    .sort();
}

/** Refuses an environment name that is not one (a path, "..", a newline): it becomes a file and folder name. */
export function assertEnvironmentName(env: string, configDir: string): void {
  if (ENV_NAME.test(env)) return;
  const known = listEnvironments(configDir).join(', ');
  throw new ConfigError(`environment ${show(env)}: not an environment name (lower-case letters, digits and "-", such as "prod"): use one of: ${known}`);
}

/** Reads and validates config/<env>.yaml. */
export function loadEnvironment(configDir: string, env: string): EnvironmentConfig {
  assertEnvironmentName(env, configDir);
  const file = path.join(configDir, `${env}.yaml`);
  if (!fs.existsSync(file)) {
    const known = listEnvironments(configDir).join(', ');
    throw new ConfigError(`unknown environment "${env}": there is no ${file}; use one of: ${known}, or create ${file}`);
  }
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new ConfigError(`${file}: is a folder, not a file: the configuration of ${env} is a YAML file there`);
  if (stat.size > MAX_CONFIG_BYTES) throw new ConfigError(`${file}: ${stat.size} bytes, more than the 1 MiB a configuration may be: remove what does not belong there`);
  return parseEnvironment(readYaml(file), file);
}

/** The YAML of a file as plain data: merge keys (<<) allowed, alias bombs refused. */
function readYaml(file: string): unknown {
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'), { merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(`${file}: not valid YAML: ${doc.errors[0].message}`);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${file}: not usable YAML: ${(error as Error).message}: write the values out instead of through so many aliases`);
  }
}

/**
 * Treats a field left empty (`tag:`, or a section whose children are all commented out) as
 * not given, so that its default applies, as a reader of the YAML would expect.
 */
function withoutEmptyFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyFields);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutEmptyFields(v)]),
  );
}

/** Validates an already-parsed configuration; `source` names it in error messages. */
export function parseEnvironment(raw: unknown, source: string): EnvironmentConfig {
  const result = environmentSchema.safeParse(withoutEmptyFields(raw ?? {}));
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${source}: ${describePath(issue.path)}: ${describeIssue(issue)}`);
  const shown = lines.slice(0, 10);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more problems in ${source}: fix these first`);
  throw new ConfigError(shown.join('\n'));
}

function describePath(p: PropertyKey[]): string {
  return p.length === 0 ? '(top level)' : p.map((part) => (/^[A-Za-z0-9_-]{1,60}$/.test(String(part)) ? String(part) : show(String(part)))).join('.');
}

/** What to write for a type zod expects, in the words of a YAML file. */
const WRITE: Record<string, string> = { object: 'a mapping (name: value lines)', array: 'a list', int: 'a whole number', number: 'a number', boolean: 'true or false', string: 'text' };

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => show(k)).join(', ')}: remove it or check its spelling against config/schema.json`;
    case 'invalid_type': {
      const write = WRITE[issue.expected] ?? `a ${issue.expected}`;
      if (issue.message.endsWith('received undefined')) return `missing: add this field (${write})`;
      return `${issue.message.replace(/^Invalid input: /, '')}: write ${write} here`;
    }
    case 'invalid_union': {
      // The union's own message says what it takes; its alternatives' issues say what was given.
      const received = /received (\w+)$/.exec(issue.errors[0]?.[0]?.message ?? '')?.[1];
      if (received === 'undefined') return `missing: add this field (${issue.message})`;
      return `expected ${issue.message}${received ? `, received ${received}` : ''}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
    case 'too_big':
      return `${issue.message}: change the value`;
    default:
      return issue.message;
  }
}

/** The JSON schema of a config file, for editors (yaml-language-server). */
export function configJsonSchema(): object {
  return z.toJSONSchema(environmentSchema, { io: 'input', unrepresentable: 'any' });
}
