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

const cpu = z
  .union([z.string(), z.number()], { error: 'a CPU quantity such as "250m" or "1"' })
  .transform(String)
  .refine((q) => (cpuMillis(q) ?? 0) > 0, 'must be a positive CPU quantity such as "250m" or "1"');

const memory = z
  .union([z.string(), z.number()], { error: 'a memory quantity such as "256Mi" or "1Gi"' })
  .transform(String)
  .refine((q) => (memoryBytes(q) ?? 0) > 0, 'must be a positive memory quantity such as "256Mi" or "1Gi"');

const compute = z.strictObject({ cpu, memory });
type Compute = z.output<typeof compute>;

/** Requests and limits of one container; a request above its limit is refused. */
const containerResources = z
  .strictObject({ requests: compute, limits: compute })
  .superRefine((r, ctx) => {
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

/** RFC 1123 subdomain: Ingress hosts. */
const hostname = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS name such as "api.home.arpa" (lower case, no scheme, no port)');

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

const labelMap = z.record(z.string(), z.string());

/** A Postgres role name that needs no quoting. */
const roleName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a Postgres role name: lower-case letters, digits and "_", not starting with a digit, at most 63 characters');

/** Where the cluster's own components live: k3s defaults. */
const cluster = z.strictObject({
  /** Pin every pod to arm64 nodes (the Raspberry Pis). */
  arm64: z.boolean().default(false),
  storageClass: dnsLabel.default('local-path'),
  ingressClass: dnsLabel.default('traefik'),
  traefik: z
    .strictObject({ namespace: dnsLabel.default('kube-system'), podLabels: labelMap.default({ 'app.kubernetes.io/name': 'traefik' }) })
    .prefault({}),
  dns: z
    .strictObject({ namespace: dnsLabel.default('kube-system'), podLabels: labelMap.default({ 'k8s-app': 'kube-dns' }) })
    .prefault({}),
});
export type ClusterConfig = z.output<typeof cluster>;

const CRON_FIELD = String.raw`(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?)*`;

/**
 * Nightly pg_dump of the database into a volume of its own: its storage class and size are
 * separate from the database's, so the dumps can live on another disk or an NFS class.
 */
const backupSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Cron schedule, in the cluster's time zone unless timeZone is set. */
  schedule: z
    .string()
    .regex(new RegExp(`^${CRON_FIELD}( ${CRON_FIELD}){4}$`), 'must be a five-field cron schedule such as "30 3 * * *" (03:30 every day)')
    .default('30 3 * * *'),
  timeZone: z.string().regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone such as "Europe/Paris"').optional(),
  /** How many dumps to keep; older ones are deleted after each successful dump. */
  keep: z.int().min(1).max(365).default(7),
  /** The dumps' storage class; the cluster's default class when unset. */
  storageClass: dnsLabel.optional(),
  size: memory.refine((q) => memoryBytes(q)! >= 2 ** 30, 'must be at least 1Gi').default('10Gi'),
});
export type BackupConfig = z.output<typeof backupSchema>;

/** An optional postgres_exporter sidecar, for users who run Prometheus. */
const metricsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  image: pinnedImage.default('quay.io/prometheuscommunity/postgres-exporter:v0.17.1'),
  /** The Prometheus pods allowed to scrape it (port 9187). */
  scrapeFrom: z
    .strictObject({ namespace: dnsLabel.default('monitoring'), podLabels: labelMap.default({ 'app.kubernetes.io/name': 'prometheus' }) })
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

const envValue = z.union([z.string(), z.number(), z.boolean()], { error: 'a single value (text, a number, true or false)' }).transform(String);

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
}

/** One Python API (or worker) of a system. */
export function apiSchema(defaults: ApiDefaults) {
  return z.strictObject({
    image: dnsLabel.default(defaults.image),
    /** Overrides the system's image tag for this workload only. */
    tag: imageTag.optional(),
    replicas: z.int().min(0).max(20).default(1),
    resources: containerResources.prefault(defaults.resources),
    env: envSchema(defaults.env),
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

const smallApi = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

/** BookSync (seed 003): one Postgres shared by the auth, data and prediction APIs. */
const booksync = z.strictObject({
  namespace: dnsLabel.default('booksync'),
  database: z.strictObject({ name: dnsLabel.default('booksync'), adminUser: roleName.default('postgres') }).prefault({}),
  postgres: postgresSchema({ image: PGVECTOR_IMAGE, storage: '10Gi', resources: { cpu: '1', memory: '1Gi' }, maxConnections: 50 }).prefault({}),
  images: imagesSchema('1.0.0'),
  apis: z
    .strictObject({
      auth: apiSchema({
        image: 'booksync-api-auth',
        resources: smallApi,
        env: { JWT_ALGORITHM: 'HS256', JWT_EXPIRE_MINUTES: '0', HOST: '0.0.0.0', PORT: '8000', DEBUG: 'false', BCRYPT_ROUNDS: '12' },
        internetEgress: true,
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
        .prefault({})
        .superRefine((hosts, ctx) => {
          const seen = new Map<string, string>();
          for (const [api, host] of Object.entries(hosts)) {
            if (seen.has(host)) ctx.addIssue({ code: 'custom', path: [api], message: `host "${host}" is already used by ${seen.get(host)}: give each API its own host` });
            seen.set(host, api);
          }
        }),
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
  database: z.strictObject({ name: dnsLabel.default('mnemolite'), user: roleName.default('mnemo') }).prefault({}),
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
    .regex(/^(https?:\/\/[^\s/]+\/\S+|ssh:\/\/\S+|[\w.-]+@[\w.-]+:\S+)$/, 'must be the URL Argo CD clones this repository from: "https://git.home.arpa/homelab/pi-gitops.git" or "git@git.home.arpa:homelab/pi-gitops.git"')
    .default('https://git.home.arpa/homelab/pi-gitops.git'),
  targetRevision: z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'must be a branch, tag or commit without "/" (it is also a label value), such as "main"').default('main'),
  /** Where dist/ sits in that repository: "dist" here, "" when only dist/ is pushed to a GitOps repo. */
  distPath: z.string().regex(/^([A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*)?$/, 'must be a relative folder such as "dist", or "" for the repository root').default('dist'),
  /** The AppProject of the system Applications. */
  project: dnsLabel.default('pi-gitops'),
});
export type ArgoCdConfig = z.output<typeof argocd>;

export const environmentSchema = z
  .strictObject({
    cluster: cluster.prefault({}),
    secrets: secrets.prefault({}),
    argocd: argocd.prefault({}),
    booksync: booksync.prefault({}),
    mnemolite: mnemolite.prefault({}),
  })
  .superRefine((env, ctx) => {
    if (env.booksync.namespace === env.mnemolite.namespace) {
      ctx.addIssue({ code: 'custom', path: ['mnemolite', 'namespace'], message: `"${env.mnemolite.namespace}" is BookSync's namespace too: give each system its own` });
    }
  });
export type EnvironmentConfig = z.output<typeof environmentSchema>;

/** A configuration the user has to fix; the message names the file, the field and the fix. */
export class ConfigError extends Error {}

/** The environments that have a config/<env>.yaml, sorted. */
export function listEnvironments(configDir: string): string[] {
  return fs
    .readdirSync(configDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Reads and validates config/<env>.yaml. */
export function loadEnvironment(configDir: string, env: string): EnvironmentConfig {
  const file = path.join(configDir, `${env}.yaml`);
  if (!fs.existsSync(file)) {
    const known = listEnvironments(configDir).join(', ');
    throw new ConfigError(`unknown environment "${env}": there is no ${file}; use one of: ${known}, or create ${file}`);
  }
  const doc = YAML.parseDocument(fs.readFileSync(file, 'utf8'));
  if (doc.errors.length > 0) {
    throw new ConfigError(`${file}: not valid YAML: ${doc.errors[0].message}`);
  }
  return parseEnvironment(doc.toJS() ?? {}, file);
}

/** Validates an already-parsed configuration; `source` names it in error messages. */
export function parseEnvironment(raw: unknown, source: string): EnvironmentConfig {
  const result = environmentSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${source}: ${describePath(issue.path)}: ${describeIssue(issue)}`);
  throw new ConfigError(lines.join('\n'));
}

function describePath(p: PropertyKey[]): string {
  return p.length === 0 ? '(top level)' : p.map(String).join('.');
}

/** What to write for a type zod expects, in the words of a YAML file. */
const WRITE: Record<string, string> = { object: 'a mapping (name: value lines)', array: 'a list', int: 'a whole number', number: 'a number', boolean: 'true or false', string: 'text' };

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove it or check its spelling against config/schema.json`;
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
