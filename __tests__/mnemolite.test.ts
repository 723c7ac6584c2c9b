/** MnemoLite as its seed describes it: db, mnemo-api, the optional worker, the extensions and the two ways in. */
import { resolveSecretData } from '../lib/secrets';
import { envOf, find, objectsFor, objectsOf, settingsOf } from './support/synth';
import { parseEnvironment } from '../app/environment';
import { synthesizeEnvironment } from '../app/synth';
import { ConfigError } from '../lib/errors';
import { mnemoliteSecrets } from '../systems/mnemolite/chart';
import { PGVECTOR_IMAGE } from '../charts/constructs/postgres-config';

const container = (objects: any[], kind: string, name: string) => find(objects, kind, name).spec.template.spec.containers[0];
const CUSTOM_IMAGE = 'registry.home.arpa:5000/mnemo-postgres:17-partman-cron';

describe('MnemoLite with the default configuration', () => {
  const objects = objectsFor({}, 'mnemolite');

  test('db is the seed (database mnemolite, data checksums) with the admin postgres apart from the app role mnemo', () => {
    const env = envOf(container(objects, 'StatefulSet', 'db'));
    expect(env).toMatchObject({
      POSTGRES_USER: 'postgres',
      MNEMO_DB_OWNER: 'mnemo',
      POSTGRES_DB: 'mnemolite',
      POSTGRES_INITDB_ARGS: '--data-checksums',
      POSTGRES_PASSWORD_FILE: '/run/secrets/db-roles/postgres',
    });
    expect(env.POSTGRES_PASSWORD).toBeUndefined();
    expect(find(objects, 'Service', 'db').spec.ports[0].port).toBe(5432);
  });

  test('the API has the seed environment, an optional OpenAI key and probes on /v1/healthz', () => {
    const api = container(objects, 'Deployment', 'mnemo-api');
    const env = envOf(api);
    expect(env.DATABASE_URL).toEqual({ secretKeyRef: { name: 'db-mnemo', key: 'database-url' } });
    expect(env.ENVIRONMENT).toBe('development');
    expect(env.OPENAI_API_KEY).toEqual({ secretKeyRef: { name: 'mnemo-api-secrets', key: 'OPENAI_API_KEY', optional: true } });
    expect(api.ports).toEqual([expect.objectContaining({ containerPort: 8000 })]);
    for (const probe of [api.startupProbe, api.readinessProbe]) expect(probe.httpGet.path).toBe('/v1/healthz');
    expect(api.livenessProbe.tcpSocket.port).toBe('http');
  });

  test('the worker has the seed environment and no Service', () => {
    const env = envOf(container(objects, 'Deployment', 'mnemo-worker'));
    expect(env).toMatchObject({ ENVIRONMENT: 'development', PYTHONUNBUFFERED: '1' });
    expect(env.DATABASE_URL).toEqual({ secretKeyRef: { name: 'db-mnemo', key: 'database-url' } });
    expect(
      objects
        .filter((o) => o.kind === 'Service')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['db', 'db-headless', 'mnemo-api']);
  });

  test('the seed compose limits are the defaults (the dev ceiling)', () => {
    expect(container(objects, 'StatefulSet', 'db').resources.limits).toMatchObject({ cpu: '2', memory: '4Gi' });
    expect(container(objects, 'Deployment', 'mnemo-api').resources.limits).toMatchObject({ cpu: '1', memory: '1Gi' });
    expect(container(objects, 'Deployment', 'mnemo-worker').resources.limits).toMatchObject({ cpu: '500m', memory: '512Mi' });
  });

  test('the seed tuning is scaled to the limits: 2 CPUs give its 4 workers per gather and 8 worker processes', () => {
    const settings = settingsOf(container(objects, 'StatefulSet', 'db'));
    expect(settings).toMatchObject({
      max_parallel_workers_per_gather: '4',
      max_worker_processes: '8',
      shared_buffers: '1024MB',
      effective_cache_size: '3072MB',
    });
  });

  test('pg_partman and pg_cron are off, and synthesis says so', () => {
    const db = container(objects, 'StatefulSet', 'db');
    expect(settingsOf(db).shared_preload_libraries).toBeUndefined();
    expect(envOf(db).MNEMO_OPTIONAL_EXTENSIONS).toBe('');
    const { notices } = synthesizeEnvironment(parseEnvironment({}, 'test'));
    expect(notices).toEqual([expect.stringContaining('pg_partman and pg_cron off')]);
  });

  test('is reached through a Traefik Ingress on its host', () => {
    const ingress = find(objects, 'Ingress', 'mnemo-api');
    expect(ingress.spec.rules).toEqual([
      {
        host: 'mnemolite.home.arpa',
        http: { paths: [expect.objectContaining({ backend: { service: { name: 'mnemo-api', port: { number: 8000 } } } })] },
      },
    ]);
    expect(find(objects, 'Service', 'mnemo-api').spec.type).toBe('ClusterIP');
  });

  test('the DATABASE_URL is right for any password', () => {
    const hostile = `a:b@c/d?e#f%g'h"i\\ j`;
    const role = mnemoliteSecrets(parseEnvironment({}, 'test').mnemolite).find((s) => s.name === 'db-mnemo')!;
    const url = new URL(resolveSecretData(role, { MNEMOLITE_DB_PASSWORD: hostile })['database-url']);
    expect(url.protocol).toBe('postgresql:');
    expect([decodeURIComponent(url.username), decodeURIComponent(url.password), url.host, url.pathname]).toEqual([
      'mnemo',
      hostile,
      'db:5432',
      '/mnemolite',
    ]);
  });
});

describe('MnemoLite configured', () => {
  test('as a LoadBalancer: k3s ServiceLB on the seed API_PORT 8001, no Ingress', () => {
    const objects = objectsFor({ mnemolite: { expose: { mode: 'loadBalancer' } } }, 'mnemolite');
    const service = find(objects, 'Service', 'mnemo-api');
    expect(service.spec.type).toBe('LoadBalancer');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8001, targetPort: 'http', protocol: 'TCP' }]);
    expect(objects.some((o) => o.kind === 'Ingress')).toBe(false);
  });

  test('without the worker: no worker, and nothing names it', () => {
    const objects = objectsFor({ mnemolite: { worker: { enabled: false } } }, 'mnemolite');
    expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'mnemo-worker')).toBe(false);
    expect(JSON.stringify(objects)).not.toContain('mnemo-worker');
  });

  test('an image that provides pg_partman and pg_cron gets them preloaded and created', () => {
    const objects = objectsFor(
      { mnemolite: { postgres: { image: CUSTOM_IMAGE, extensions: { pg_partman: true, pg_cron: true } } } },
      'mnemolite',
    );
    const db = container(objects, 'StatefulSet', 'db');
    expect(settingsOf(db)).toMatchObject({
      shared_preload_libraries: 'pg_cron,pg_partman_bgw',
      'cron.database_name': 'mnemolite',
      'pg_partman_bgw.role': 'mnemo',
    });
    expect(envOf(db).MNEMO_OPTIONAL_EXTENSIONS).toBe('pg_partman pg_cron');
  });

  test('asking the pgvector image for pg_cron is refused with the fix', () => {
    expect(() => parseEnvironment({ mnemolite: { postgres: { extensions: { pg_cron: true } } } }, 'config/prod.yaml')).toThrow(ConfigError);
    expect(() => parseEnvironment({ mnemolite: { postgres: { extensions: { pg_cron: true } } } }, 'config/prod.yaml')).toThrow(
      `config/prod.yaml: mnemolite.postgres.extensions: pg_cron is not in ${PGVECTOR_IMAGE}: ` +
        'set postgres.image to an image that provides them',
    );
  });

  test('prod is Pi-sized, below the seed ceiling', () => {
    const objects = objectsOf('prod', 'mnemolite');
    expect(container(objects, 'StatefulSet', 'db').resources.limits).toMatchObject({ cpu: '1', memory: '1Gi' });
    expect(container(objects, 'Deployment', 'mnemo-api').resources.limits).toMatchObject({ cpu: '500m', memory: '512Mi' });
    expect(envOf(container(objects, 'Deployment', 'mnemo-api')).ENVIRONMENT).toBe('production');
  });

  test('both systems in one namespace is refused', () => {
    expect(() => parseEnvironment({ mnemolite: { namespace: 'booksync' } }, 'x.yaml')).toThrow('mnemolite.namespace');
  });
});
