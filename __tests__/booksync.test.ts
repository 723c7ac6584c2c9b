/** BookSync as its seed describes it: the seed's env tables, one role per API, its network and its Ingress. */
import { resolveSecretData } from '../lib/secrets';
import { find, objectsFor, objectsOf } from './support/synth';
import { parseEnvironment } from '../app/environment';
import { KubeObject } from '../lib/manifests';
import { booksyncSecrets } from '../systems/booksync/chart';
import { BOOKSYNC_APIS } from '../systems/booksync/config';

/** The seed's tables (§6.1–6.3): every variable with its default; null means "Requis" (from a Secret). */
const SEED_ENV: Record<string, Record<string, string | null>> = {
  'auth-api': {
    DATABASE_URL: null,
    JWT_SECRET_KEY: null,
    JWT_ALGORITHM: 'HS256',
    JWT_EXPIRE_MINUTES: '0',
    MANGACOLLEC_CLIENT_ID: null,
    MANGACOLLEC_CLIENT_SECRET: null,
    HOST: '0.0.0.0',
    PORT: '8000',
    DEBUG: 'false',
    BCRYPT_ROUNDS: '12',
  },
  'data-api': { DATABASE_URL: null, APP_ENV: 'development', APP_DEBUG: 'true', APP_SECRET_KEY: null },
  'prediction-api': {
    DATABASE_URL: null,
    DATABASE_ECHO: 'false',
    VECTOR_DIMENSION: '384',
    SIMILARITY_THRESHOLD: '0.7',
    EMBEDDING_MODEL: 'all-MiniLM-L6-v2',
    EMBEDDING_BATCH_SIZE: '32',
    DEVICE: 'cpu',
    HOST: '0.0.0.0',
    PORT: '8002',
  },
};

const apiContainer = (objects: KubeObject[], name: string) => find(objects, 'Deployment', name).spec.template.spec.containers[0];
const policy = (objects: KubeObject[], name: string) => find(objects, 'NetworkPolicy', name).spec;
const podName = (peer: any) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'];

describe('BookSync with the default configuration', () => {
  const objects = objectsFor({}, 'booksync');

  test.each(Object.keys(SEED_ENV))('%s has every variable of its seed table with the seed default', (api) => {
    const env = apiContainer(objects, api).env;
    for (const [name, seedDefault] of Object.entries(SEED_ENV[api])) {
      const variable = env.find((e: any) => e.name === name);
      expect([name, variable !== undefined]).toEqual([name, true]);
      if (seedDefault === null) expect(variable.valueFrom.secretKeyRef).toBeDefined();
      else expect([name, variable.value]).toEqual([name, seedDefault]);
    }
  });

  test.each(Object.values(BOOKSYNC_APIS))(
    '$name listens on $port, waits for Postgres and reads DATABASE_URL from its own role Secret',
    (api) => {
      const deployment = find(objects, 'Deployment', api.name);
      const container = deployment.spec.template.spec.containers[0];
      expect(container.ports).toEqual([expect.objectContaining({ containerPort: api.port })]);
      expect(container.readinessProbe.httpGet.path).toBe('/health');
      const url = container.env.find((e: any) => e.name === 'DATABASE_URL').valueFrom.secretKeyRef;
      expect(url).toEqual({ name: `db-${api.role.replace(/_/g, '-')}`, key: 'database-url' });
      const [init] = deployment.spec.template.spec.initContainers;
      expect(init.command.join(' ')).toContain('pg_isready --host=postgres --port=5432');
      expect(find(objects, 'Service', api.name).spec.ports[0].port).toBe(api.port);
    },
  );

  test('the database URL of each role is right for any password', () => {
    const config = parseEnvironment({}, 'test');
    const hostile = `p@ss:w/rd?#%&='"\\ $\`é;-x`;
    const env = Object.fromEntries(Object.values(BOOKSYNC_APIS).map((a) => [a.passwordKey, hostile]));
    for (const api of Object.values(BOOKSYNC_APIS)) {
      const spec = booksyncSecrets(config.booksync).find((s) => s.name === `db-${api.role.replace(/_/g, '-')}`)!;
      expect(spec.type).toBe('kubernetes.io/basic-auth');
      const data = resolveSecretData(spec, env);
      const url = new URL(data['database-url'].replace('postgresql+asyncpg:', 'postgresql:'));
      expect(data['database-url'].startsWith('postgresql+asyncpg://')).toBe(true);
      expect(decodeURIComponent(url.username)).toBe(api.role);
      expect(decodeURIComponent(url.password)).toBe(hostile);
      expect(`${url.hostname}:${url.port}${url.pathname}`).toBe('postgres:5432/booksync');
      expect(data.username).toBe(api.role);
      expect(data.password).toBe(hostile);
    }
  });

  test('everything in the namespace is denied unless a policy allows it', () => {
    expect(policy(objects, 'default-deny')).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('Postgres takes 5432 from the three APIs and its backup only, and sends nothing', () => {
    const spec = policy(objects, 'postgres');
    const sources = spec.ingress.map((rule: any) => [podName(rule.from[0]), rule.ports[0].port]);
    expect(sources.sort()).toEqual([
      ['auth-api', 5432],
      ['data-api', 5432],
      ['postgres-backup', 5432],
      ['prediction-api', 5432],
    ]);
    expect(spec.policyTypes).toContain('Egress');
    expect(spec.egress ?? []).toEqual([]);
  });

  test.each(Object.values(BOOKSYNC_APIS))(
    '$name takes its port from Traefik only and reaches DNS, Postgres and nothing else of the cluster',
    (api) => {
      const spec = policy(objects, api.name);
      expect(spec.ingress).toEqual([
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: api.port }],
        },
      ]);
      const [dns, ...others] = spec.egress;
      expect(dns.to[0].podSelector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
      expect(dns.ports).toEqual([
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ]);
      const podTargets = others.flatMap((r: any) => r.to.map(podName)).filter(Boolean);
      expect(podTargets).toEqual(['postgres']);
    },
  );

  test('only the auth and prediction APIs may reach the internet, on HTTPS, outside private ranges', () => {
    const internet = (api: string) => policy(objects, api).egress.filter((r: any) => r.to.some((p: any) => p.ipBlock));
    expect(internet('data-api')).toEqual([]);
    for (const api of ['auth-api', 'prediction-api']) {
      const [rule] = internet(api);
      expect(rule.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
      expect(rule.to[0].ipBlock.except).toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']));
    }
  });

  test('has no Ingress unless it is enabled', () => {
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
  });
});

describe('BookSync configured', () => {
  test('internet egress can be switched off per API', () => {
    const objects = objectsFor(
      { booksync: { apis: { auth: { internetEgress: false }, prediction: { internetEgress: false } } } },
      'booksync',
    );
    for (const api of Object.values(BOOKSYNC_APIS)) {
      expect(policy(objects, api.name).egress.some((r: any) => r.to.some((p: any) => p.ipBlock))).toBe(false);
    }
  });

  test('env overrides replace the seed default; the image tag can be pinned per API', () => {
    const objects = objectsFor(
      { booksync: { images: { registry: 'ghcr.io/me', tag: '1.2.0' }, apis: { data: { env: { APP_ENV: 'production' }, tag: '1.1.0' } } } },
      'booksync',
    );
    const data = apiContainer(objects, 'data-api');
    expect(data.env.find((e: any) => e.name === 'APP_ENV').value).toBe('production');
    expect(data.image).toBe('ghcr.io/me/booksync-api-data:1.1.0');
    expect(apiContainer(objects, 'auth-api').image).toBe('ghcr.io/me/booksync-api-auth:1.2.0');
  });

  test('prod routes one Traefik host per API', () => {
    const ingress = find(objectsOf('prod', 'booksync'), 'Ingress', 'booksync');
    expect(ingress.spec.ingressClassName).toBe('traefik');
    const routes = ingress.spec.rules.map((r: any) => [
      r.host,
      r.http.paths[0].backend.service.name,
      r.http.paths[0].backend.service.port.number,
    ]);
    expect(routes).toEqual([
      ['auth.booksync.home.arpa', 'auth-api', 8000],
      ['data.booksync.home.arpa', 'data-api', 8001],
      ['prediction.booksync.home.arpa', 'prediction-api', 8002],
    ]);
  });

  test('a TLS secret switches the Ingress to websecure with every host', () => {
    const objects = objectsFor({ booksync: { ingress: { enabled: true, tlsSecretName: 'booksync-tls' } } }, 'booksync');
    const ingress = find(objects, 'Ingress', 'booksync');
    expect(ingress.metadata.annotations['traefik.ingress.kubernetes.io/router.entrypoints']).toBe('websecure');
    expect(ingress.spec.tls).toEqual([{ hosts: ingress.spec.rules.map((r: any) => r.host), secretName: 'booksync-tls' }]);
  });
});
