/**
 * A small made-up system, defined entirely outside systems/ (a Postgres and one API), to prove
 * that a third system is one folder and a registry line: the layers test, the made-up-system
 * suite and `npm run bench` (1, 10, 50 copies) register it without touching any other file.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Construct } from 'constructs';
import { z } from 'zod';
import { BackendNetwork, TRAEFIK } from '../../charts/constructs/backend-network';
import { ClusterConfig } from '../../charts/constructs/cluster-config';
import { PgvectorPostgres } from '../../charts/constructs/pgvector-postgres';
import { PGVECTOR_IMAGE, postgresSchema } from '../../charts/constructs/postgres-config';
import { PythonService } from '../../charts/constructs/python-service';
import { apiSchema, imagesSchema } from '../../charts/constructs/python-service-config';
import { RestrictedNamespace } from '../../charts/constructs/restricted-namespace';
import { SystemChart } from '../../charts/constructs/system-chart';
import { systemLabels } from '../../charts/constructs/workload-identity';
import { SystemDefinition } from '../../charts/system';
import { dnsLabel } from '../../lib/schema';
import { SecretSpec, databaseUrl, roleSecret, roleSecretName } from '../../lib/secrets';

const API_PORT = 8080;

function schemaFor(name: string) {
  return z.strictObject({
    namespace: dnsLabel.default(name),
    postgres: postgresSchema({
      image: PGVECTOR_IMAGE,
      storage: '1Gi',
      resources: { cpu: '250m', memory: '256Mi' },
      maxConnections: 20,
    }).prefault({}),
    images: imagesSchema('0.1.0'),
    api: apiSchema({
      image: `${name}-api`,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      env: { LOG_LEVEL: 'info', PORT: String(API_PORT) },
      internetEgress: false,
      port: API_PORT,
    }).prefault({}),
  });
}
export type MadeUpConfig = z.output<ReturnType<typeof schemaFor>>;

/** The connections the made-up system's policies must allow, in __tests__/support/connectivity's words. */
export const MADE_UP_CONNECTIVITY = [
  'api -> db:5432/TCP',
  'api -> kube-dns:53/TCP',
  'api -> kube-dns:53/UDP',
  'db-backup -> db:5432/TCP',
  'db-backup -> kube-dns:53/TCP',
  'db-backup -> kube-dns:53/UDP',
  'traefik -> api:8080/TCP',
];

/**
 * The made-up system `name` (a DNS label): its folder (init SQL and connectivity files) is made
 * under `root`, a temporary folder by default.
 */
export function madeUpSystem(
  name = 'notes',
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'made-up-')),
): SystemDefinition<string, MadeUpConfig> {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'sql'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'connectivity'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'sql', '10-notes.sql'), 'CREATE EXTENSION IF NOT EXISTS vector;\n');
  const admin = `${name.replace(/-/g, '_')}_admin`;
  const key = `${name.toUpperCase().replace(/-/g, '_')}_DB_PASSWORD`;
  const secrets = (c: MadeUpConfig): SecretSpec[] => {
    const base = { namespace: c.namespace, labels: systemLabels({ name, version: c.images.tag }, 'credentials') };
    return [
      roleSecret(base, roleSecretName(admin), admin, key, { 'database-url': databaseUrl('postgresql', admin, key, 'db:5432', name) }),
    ];
  };

  class MadeUpChart extends SystemChart {
    constructor(scope: Construct, cluster: ClusterConfig, c: MadeUpConfig) {
      super(scope, name, { namespace: c.namespace, system: { name, version: c.images.tag }, cluster });
      new RestrictedNamespace(this, 'namespace');
      const db = new PgvectorPostgres(this, 'db', {
        name: 'db',
        config: c.postgres,
        database: name,
        admin: { role: admin, secretName: roleSecretName(admin) },
        initScriptsDir: path.join(dir, 'sql'),
      });
      new PythonService(this, 'api', {
        identity: { name: 'api', component: 'api', version: c.api.tag ?? c.images.tag },
        image: `${c.images.registry}/${c.api.image}:${c.api.tag ?? c.images.tag}`,
        replicas: c.api.replicas,
        resources: c.api.resources,
        env: { DATABASE_URL: { secret: roleSecretName(admin), key: 'database-url' }, ...c.api.env },
        http: { port: API_PORT, healthPath: '/healthz' },
        waitFor: db,
      });
      new BackendNetwork(this, 'network', {
        workloads: ['db', 'api', ...db.sideWorkloads],
        connections: [{ from: TRAEFIK, to: 'api', port: API_PORT }, { from: 'api', to: 'db', port: db.port }, ...db.sideConnections],
      });
    }
  }

  return {
    name,
    title: `Made-up ${name}`,
    dir,
    schema: schemaFor(name),
    namespace: (c) => c.namespace,
    ingressHosts: () => [],
    secrets,
    chart: (scope, cluster, c) => new MadeUpChart(scope, cluster, c),
    database: {
      admin,
      database: name,
      services: {},
      closedToPublic: false,
      vectorRole: admin,
      extensions: ['vector'],
      absentExtensions: [],
    },
  };
}
