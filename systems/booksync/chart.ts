/**
 * BookSync (seed 003, "Docker — BookSync"): one pgvector Postgres shared by the auth, data
 * and prediction APIs, each with its own database role and schema.
 */
import * as path from 'path';
import { Construct } from 'constructs';
import { BackendNetwork, INTERNET, TRAEFIK } from '../../charts/constructs/backend-network';
import { ClusterConfig } from '../../charts/constructs/cluster-config';
import { databaseHost, postgresEngine } from '../../charts/constructs/postgres-engine';
import { PythonService, PythonServiceProps, SecretKey } from '../../charts/constructs/python-service';
import { RestrictedNamespace } from '../../charts/constructs/restricted-namespace';
import { SystemChart } from '../../charts/constructs/system-chart';
import { TraefikIngress } from '../../charts/constructs/traefik-ingress';
import { SystemIdentity, systemLabels } from '../../charts/constructs/workload-identity';
import { SecretSpec, databaseUrl, roleSecret, roleSecretName } from '../../lib/secrets';
import { postgresSecrets } from '../../charts/constructs/postgres-secrets';
import { BOOKSYNC_APIS, BOOKSYNC_DIR, BookSyncConfig } from './config';

/** The seed's database host name: every DATABASE_URL says `@postgres:5432`. */
const POSTGRES_HOST = 'postgres';

type ApiKey = keyof typeof BOOKSYNC_APIS;
const API_KEYS = Object.keys(BOOKSYNC_APIS) as ApiKey[];

/** The system and the release of its images (the seed's tag 1.0.0). */
function booksyncIdentity(c: BookSyncConfig): SystemIdentity {
  return { name: 'booksync', version: c.images.tag };
}

/** On CloudNativePG, the database's owner, which initdb creates and no API uses (its password is the operator's). */
const CNPG_OWNER = 'booksync_owner';

/** Every Secret BookSync reads: one per database role, plus the apps' own keys. */
export function booksyncSecrets(c: BookSyncConfig): SecretSpec[] {
  const base = { namespace: c.namespace, labels: systemLabels(booksyncIdentity(c), 'credentials') };
  const cnpg = c.postgres.engine === 'cloudnative-pg';
  // CloudNativePG applies a role Secret's new password at once when it carries this label (a rotation).
  const roleBase = cnpg ? { ...base, labels: { ...base.labels, 'cnpg.io/reload': 'true' } } : base;
  const url = (api: (typeof BOOKSYNC_APIS)[ApiKey], host: string) =>
    databaseUrl('postgresql+asyncpg', api.role, api.passwordKey, `${host}:5432`, c.database.name);
  return [
    // The superuser's password: CloudNativePG keeps its own (superuser access off).
    ...(cnpg ? [] : [roleSecret(base, roleSecretName(c.database.adminUser), c.database.adminUser, 'BOOKSYNC_DB_ADMIN_PASSWORD')]),
    ...API_KEYS.map((key) => {
      const api = BOOKSYNC_APIS[key];
      // On CloudNativePG, also a URL of the read-only replicas (`-ro`), for reads that may lag.
      const urls = {
        'database-url': url(api, databaseHost(POSTGRES_HOST, c.postgres)),
        ...(cnpg ? { 'database-url-ro': url(api, `${POSTGRES_HOST}-ro`) } : {}),
      };
      return roleSecret(roleBase, roleSecretName(api.role), api.role, api.passwordKey, urls);
    }),
    {
      ...base,
      name: 'auth-api-secrets',
      type: 'Opaque',
      data: {
        JWT_SECRET_KEY: { generated: 'BOOKSYNC_JWT_SECRET_KEY' },
        MANGACOLLEC_CLIENT_ID: {
          provided: 'BOOKSYNC_MANGACOLLEC_CLIENT_ID',
          hint: 'Mangacollec OAuth2 client of the auth API: the ID and secret Mangacollec gave you',
        },
        MANGACOLLEC_CLIENT_SECRET: { provided: 'BOOKSYNC_MANGACOLLEC_CLIENT_SECRET', hint: 'Mangacollec OAuth2 client secret' },
      },
    },
    { ...base, name: 'data-api-secrets', type: 'Opaque', data: { APP_SECRET_KEY: { generated: 'BOOKSYNC_APP_SECRET_KEY' } } },
    ...postgresSecrets(base, 'BOOKSYNC', POSTGRES_HOST, c.postgres),
  ];
}

export class BookSyncChart extends SystemChart {
  constructor(scope: Construct, id: string, cluster: ClusterConfig, c: BookSyncConfig) {
    super(scope, id, { namespace: c.namespace, system: booksyncIdentity(c), cluster });
    new RestrictedNamespace(this, 'namespace');

    const serviceRoles = API_KEYS.map((key) => ({ role: BOOKSYNC_APIS[key].role, secretName: roleSecretName(BOOKSYNC_APIS[key].role) }));
    const postgres = postgresEngine(this, 'postgres', {
      name: POSTGRES_HOST,
      config: c.postgres,
      database: c.database.name,
      admin: { role: c.database.adminUser, secretName: roleSecretName(c.database.adminUser) },
      serviceRoles,
      initScriptsDir: path.join(BOOKSYNC_DIR, 'sql'),
      // Checksums catch silent corruption, which SD cards are prone to (as MnemoLite's seed asks).
      initdbArgs: '--data-checksums',
      // CloudNativePG: the same roles and schemas, from the plain-SQL twin of sql/service-roles.psql.
      cnpg: { owner: { role: CNPG_OWNER }, serviceRoles, postInitSql: path.join(BOOKSYNC_DIR, 'sql', 'cnpg', 'post-init.sql') },
    });

    const secret = (name: string, key: string): SecretKey => ({ secret: name, key });
    const databaseUrlRef = (key: ApiKey) => secret(roleSecretName(BOOKSYNC_APIS[key].role), 'database-url');
    const api = (key: ApiKey, env: Record<string, string | SecretKey>, extra: Partial<PythonServiceProps> = {}) => {
      const settings = c.apis[key];
      const tag = settings.tag ?? c.images.tag;
      return new PythonService(this, BOOKSYNC_APIS[key].name, {
        identity: { name: BOOKSYNC_APIS[key].name, component: 'api', version: tag },
        image: `${c.images.registry}/${settings.image}:${tag}`,
        replicas: settings.replicas,
        resources: settings.resources,
        env: { DATABASE_URL: databaseUrlRef(key), ...env, ...settings.env },
        http: { port: BOOKSYNC_APIS[key].port, healthPath: '/health' },
        waitFor: postgres,
        ...extra,
      });
    };

    // §3.1 Auth API: uvicorn booksync_api_auth.main:app on 8000.
    api('auth', {
      JWT_SECRET_KEY: secret('auth-api-secrets', 'JWT_SECRET_KEY'),
      MANGACOLLEC_CLIENT_ID: secret('auth-api-secrets', 'MANGACOLLEC_CLIENT_ID'),
      MANGACOLLEC_CLIENT_SECRET: secret('auth-api-secrets', 'MANGACOLLEC_CLIENT_SECRET'),
    });
    // §3.2 Data API: uvicorn booksync_api_data.main:app on 8001.
    api('data', { APP_SECRET_KEY: secret('data-api-secrets', 'APP_SECRET_KEY') });
    // §3.3 Prediction API: uvicorn booksync_api_prediction.main:app on 8002; it downloads the
    // sentence-transformers model on first start into HF_HOME (the root filesystem is read-only).
    api('prediction', { HF_HOME: '/cache/huggingface' }, { scratchDirs: { cache: '/cache' }, startupSeconds: 600 });

    // §1.1: every API talks to Postgres only; Traefik is the only way in. The backup reads Postgres.
    new BackendNetwork(this, 'network', {
      workloads: [POSTGRES_HOST, ...API_KEYS.map((k) => BOOKSYNC_APIS[k].name), ...postgres.sideWorkloads],
      operatorPods: postgres.operatorPods,
      connections: [
        ...postgres.sideConnections,
        ...postgres.scrapers,
        ...API_KEYS.flatMap((key) => {
          const { name, port } = BOOKSYNC_APIS[key];
          return [
            { from: name, to: POSTGRES_HOST, port: postgres.port },
            { from: TRAEFIK, to: name, port },
            ...(c.apis[key].internetEgress ? [{ from: name, to: INTERNET, port: 443 }] : []),
          ];
        }),
      ],
    });

    if (c.ingress.enabled) {
      new TraefikIngress(this, 'ingress', {
        name: 'booksync',
        tlsSecretName: c.ingress.tlsSecretName,
        routes: API_KEYS.map((key) => ({ host: c.ingress.hosts[key], service: BOOKSYNC_APIS[key].name, port: BOOKSYNC_APIS[key].port })),
      });
    }
  }
}
