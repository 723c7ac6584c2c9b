/**
 * MnemoLite (seed 000, v1.3.0, "100% PostgreSQL"): the pgvector Postgres `db`, the API
 * `mnemo-api` and the optional `mnemo-worker`, with the seed's internal backend network.
 */
import * as path from 'path';
import { Construct } from 'constructs';
import { ANYWHERE, BackendNetwork, Connection, INTERNET, TRAEFIK } from '../../charts/constructs/backend-network';
import { ClusterConfig } from '../../charts/constructs/cluster-config';
import { databaseHost, postgresEngine } from '../../charts/constructs/postgres-engine';
import { PythonService } from '../../charts/constructs/python-service';
import { RestrictedNamespace } from '../../charts/constructs/restricted-namespace';
import { NOTICE, SystemChart } from '../../charts/constructs/system-chart';
import { TraefikIngress } from '../../charts/constructs/traefik-ingress';
import { SystemIdentity, systemLabels } from '../../charts/constructs/workload-identity';
import { SecretSpec, databaseUrl, roleSecret, roleSecretName } from '../../lib/secrets';
import { postgresSecrets } from '../../charts/constructs/postgres-secrets';
import { MNEMOLITE_DIR, MnemoLiteConfig } from './config';

/** The seed's network alias of the database: DATABASE_URL says `@db:5432`. */
const DB_HOST = 'db';
const API = 'mnemo-api';
const WORKER = 'mnemo-worker';
const API_PORT = 8000;
const DB_PASSWORD_KEY = 'MNEMOLITE_DB_PASSWORD';

function mnemoliteIdentity(c: MnemoLiteConfig): SystemIdentity {
  return { name: 'mnemolite', version: c.images.tag };
}

/**
 * The Secrets MnemoLite reads: the admin's (Postgres only), the `mnemo` role's (with its
 * DATABASE_URL, for the API and the worker) and the optional OpenAI key.
 */
export function mnemoliteSecrets(c: MnemoLiteConfig): SecretSpec[] {
  const base = { namespace: c.namespace, labels: systemLabels(mnemoliteIdentity(c), 'credentials') };
  const cnpg = c.postgres.engine === 'cloudnative-pg';
  // CloudNativePG applies a role Secret's new password at once when it carries this label (a rotation).
  const roleBase = cnpg ? { ...base, labels: { ...base.labels, 'cnpg.io/reload': 'true' } } : base;
  const url = (host: string) => databaseUrl('postgresql', c.database.user, DB_PASSWORD_KEY, `${host}:5432`, c.database.name);
  // On CloudNativePG, also a URL of the read-only replicas (`-ro`); the superuser's password is the operator's.
  const urls = { 'database-url': url(databaseHost(DB_HOST, c.postgres)), ...(cnpg ? { 'database-url-ro': url(`${DB_HOST}-ro`) } : {}) };
  return [
    ...(cnpg ? [] : [roleSecret(base, roleSecretName(c.database.adminUser), c.database.adminUser, 'MNEMOLITE_DB_ADMIN_PASSWORD')]),
    roleSecret(roleBase, roleSecretName(c.database.user), c.database.user, DB_PASSWORD_KEY, urls),
    {
      ...base,
      name: 'mnemo-api-secrets',
      type: 'Opaque',
      data: {
        OPENAI_API_KEY: {
          provided: 'MNEMOLITE_OPENAI_API_KEY',
          hint: 'Optional OpenAI API key of the MnemoLite API; leave empty to run without',
          optional: true,
        },
      },
    },
    ...postgresSecrets(base, 'MNEMOLITE', DB_HOST, c.postgres),
  ];
}

/** pg_partman and pg_cron settings, when the configured image provides them (the seed's commented `command`). */
function extensionSettings(c: MnemoLiteConfig): Record<string, string> {
  const { pg_partman, pg_cron } = c.postgres.extensions;
  const preload = [pg_cron && 'pg_cron', pg_partman && 'pg_partman_bgw'].filter(Boolean);
  if (preload.length === 0) return {};
  return {
    shared_preload_libraries: preload.join(','),
    ...(pg_cron ? { 'cron.database_name': c.database.name } : {}),
    ...(pg_partman
      ? { 'pg_partman_bgw.interval': '3600', 'pg_partman_bgw.role': c.database.user, 'pg_partman_bgw.dbname': c.database.name }
      : {}),
  };
}

export class MnemoLiteChart extends SystemChart {
  constructor(scope: Construct, id: string, cluster: ClusterConfig, c: MnemoLiteConfig) {
    super(scope, id, { namespace: c.namespace, system: mnemoliteIdentity(c), cluster });
    new RestrictedNamespace(this, 'namespace');

    const extensions = Object.entries(c.postgres.extensions)
      .filter(([, on]) => on)
      .map(([name]) => name);
    if (extensions.length < 2) {
      const off = ['pg_partman', 'pg_cron'].filter((e) => !extensions.includes(e));
      this.node.addMetadata(
        NOTICE,
        `mnemolite: ${off.join(' and ')} off: ${c.postgres.image} does not provide them ` +
          '(set mnemolite.postgres.image and .extensions to turn them on)',
      );
    }

    // db: pgvector/pgvector, db mnemolite, --data-checksums, pg_isready healthcheck. The seed's
    // POSTGRES_USER mnemo would be a superuser: here the admin is postgres, and mnemo owns the
    // database without SUPERUSER, CREATEROLE, CREATEDB or BYPASSRLS (sql/05-owner-role.sh).
    const owner = { role: c.database.user, secretName: roleSecretName(c.database.user) };
    const db = postgresEngine(this, 'db', {
      name: DB_HOST,
      config: c.postgres,
      database: c.database.name,
      admin: { role: c.database.adminUser, secretName: roleSecretName(c.database.adminUser) },
      serviceRoles: [owner],
      initScriptsDir: path.join(MNEMOLITE_DIR, 'sql'),
      initdbArgs: '--data-checksums',
      initEnv: { MNEMO_DB_OWNER: c.database.user, MNEMO_OPTIONAL_EXTENSIONS: extensions.join(' ') },
      extraSettings: extensionSettings(c),
      // CloudNativePG: initdb makes mnemo the owner with its Secret's password; the operator keeps `vector`.
      cnpg: { owner },
    });

    const databaseUrlRef = { secret: roleSecretName(c.database.user), key: 'database-url' };
    const image = (name: string, tag: string | undefined) => `${c.images.registry}/${name}:${tag ?? c.images.tag}`;
    const loadBalancer = c.expose.mode === 'loadBalancer';

    // api: FastAPI on 8000 (the image's api/Dockerfile starts it); published on API_PORT 8001 by the seed.
    new PythonService(this, API, {
      identity: { name: API, component: 'api', version: c.api.tag ?? c.images.tag },
      image: image(c.api.image, c.api.tag),
      replicas: c.api.replicas,
      resources: c.api.resources,
      env: {
        DATABASE_URL: databaseUrlRef,
        OPENAI_API_KEY: { secret: 'mnemo-api-secrets', key: 'OPENAI_API_KEY', optional: true },
        ...c.api.env,
      },
      http: {
        port: API_PORT,
        healthPath: '/v1/healthz',
        service: loadBalancer ? { type: 'LoadBalancer', port: c.expose.loadBalancerPort } : undefined,
      },
      waitFor: db,
    });

    // worker (optional): backend only, no port; the image's workers/Dockerfile starts it.
    if (c.worker.enabled) {
      new PythonService(this, WORKER, {
        identity: { name: WORKER, component: 'worker', version: c.worker.tag ?? c.images.tag },
        image: image(c.worker.image, c.worker.tag),
        replicas: c.worker.replicas,
        resources: c.worker.resources,
        env: { DATABASE_URL: databaseUrlRef, ...c.worker.env },
        // The seed gives the worker no health endpoint: check that its main process runs (not stopped, not a zombie).
        execProbe: ['sh', '-c', 'grep -Eq "^State:[[:space:]]+[RSD]" /proc/1/status'],
        waitFor: db,
      });
    }

    // networks: frontend (the API only) and backend, internal: true.
    const workers = c.worker.enabled ? [WORKER] : [];
    const connections: Connection[] = [
      ...[API, ...workers].map((from) => ({ from, to: DB_HOST, port: db.port })),
      ...db.sideConnections,
      ...db.scrapers,
      { from: loadBalancer ? ANYWHERE : TRAEFIK, to: API, port: API_PORT },
      ...(c.api.internetEgress ? [{ from: API, to: INTERNET, port: 443 }] : []),
    ];
    new BackendNetwork(this, 'network', {
      workloads: [DB_HOST, API, ...workers, ...db.sideWorkloads],
      connections,
      operatorPods: db.operatorPods,
    });

    if (!loadBalancer) {
      new TraefikIngress(this, 'ingress', {
        name: API,
        tlsSecretName: c.expose.tlsSecretName,
        routes: [{ host: c.expose.host, service: API, port: API_PORT }],
      });
    }
  }
}
