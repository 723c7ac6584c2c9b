/**
 * The seeds' networks, as the NetworkPolicies of each system allow them: the whole
 * connection matrix, so that any extra or missing connection fails.
 */
import { allowedConnections } from './support/connectivity';
import { ENVIRONMENTS, objectsFor, objectsOf } from './support/synth';
import { KubeObject } from '../lib/manifests';

const dns = (w: string) => [`${w} -> kube-dns:53/TCP`, `${w} -> kube-dns:53/UDP`];

const BOOKSYNC = [
  ...['auth-api', 'data-api', 'prediction-api'].flatMap((api, i) => [
    ...dns(api),
    `${api} -> postgres:5432/TCP`,
    `traefik -> ${api}:${8000 + i}/TCP`,
  ]),
  ...dns('postgres-backup'),
  'postgres-backup -> postgres:5432/TCP',
  'auth-api -> internet:443/TCP',
  'prediction-api -> internet:443/TCP',
].sort();

const MNEMOLITE_INGRESS = [
  ...dns('mnemo-api'),
  ...dns('mnemo-worker'),
  ...dns('db-backup'),
  'db-backup -> db:5432/TCP',
  'mnemo-api -> db:5432/TCP',
  'mnemo-worker -> db:5432/TCP',
  'traefik -> mnemo-api:8000/TCP',
  'mnemo-api -> internet:443/TCP',
].sort();

const defaultDeny = (objects: KubeObject[]) =>
  objects.find((o: any) => o.kind === 'NetworkPolicy' && Object.keys(o.spec.podSelector).length === 0) as any;

/** prod copies each dump off the node: the backup and its weekly check reach the target (config/prod.yaml's NAS), and DNS. */
const offsite = (backup: string, check: string) => [
  `${backup} -> cidr:192.168.1.10/32:9000/TCP`,
  `${check} -> cidr:192.168.1.10/32:9000/TCP`,
  ...dns(check),
];

/** prod and ha have the database's metrics on: Prometheus (namespace monitoring) scrapes 9187. */
const scraped = (db: string) => [`namespace:{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}} -> ${db}:9187/TCP`];

/**
 * ha runs CloudNativePG (config/ha.yaml): no backup CronJob; the instances take 5432 and 8000 from
 * the operator and from each other, and reach DNS, the API server and the object store.
 */
const cnpg = (instances: string) => [
  ...dns(instances),
  `namespace:{"matchLabels":{"kubernetes.io/metadata.name":"cnpg-system"}} -> ${instances}:5432/TCP`,
  `namespace:{"matchLabels":{"kubernetes.io/metadata.name":"cnpg-system"}} -> ${instances}:8000/TCP`,
  `${instances} -> ${instances}:5432/TCP`,
  `${instances} -> ${instances}:8000/TCP`,
  `${instances} -> cidr:192.168.1.0/24:6443/TCP`,
  `${instances} -> cidr:192.168.1.10/32:9000/TCP`,
];

describe.each(ENVIRONMENTS)('%s', (env) => {
  test('BookSync: the APIs reach Postgres and DNS, Traefik reaches the APIs, two APIs reach the internet', () => {
    const withoutBackup = BOOKSYNC.filter((l) => !l.startsWith('postgres-backup'));
    const expected =
      {
        prod: [...BOOKSYNC, ...offsite('postgres-backup', 'postgres-offsite-check'), ...scraped('postgres')],
        ha: [...withoutBackup, ...cnpg('postgres'), ...scraped('postgres')],
      }[env] ?? BOOKSYNC;
    expect(allowedConnections(objectsOf(env, 'booksync'))).toEqual([...expected].sort());
  });

  test.each(['booksync', 'mnemolite'])('%s denies all ingress and egress by default', (system) => {
    expect(defaultDeny(objectsOf(env, system))?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });
});

describe('MnemoLite', () => {
  test('behind Traefik: the backend network is internal, the API is the only way in', () => {
    expect(allowedConnections(objectsOf('prod', 'mnemolite'))).toEqual(
      [...MNEMOLITE_INGRESS, ...offsite('db-backup', 'db-offsite-check'), ...scraped('db')].sort(),
    );
  });

  test('as a LoadBalancer: the API takes its port from anywhere instead of from Traefik', () => {
    const lines = allowedConnections(objectsFor({ mnemolite: { expose: { mode: 'loadBalancer' } } }, 'mnemolite'));
    expect(lines).toEqual(MNEMOLITE_INGRESS.map((l) => l.replace('traefik ->', 'anywhere ->')).sort());
  });

  test('without internet egress the API reaches only DNS and db', () => {
    const lines = allowedConnections(objectsFor({ mnemolite: { api: { internetEgress: false } } }, 'mnemolite'));
    expect(lines).toEqual(MNEMOLITE_INGRESS.filter((l) => !l.includes('internet')));
  });

  test('without the worker, no policy names it', () => {
    const objects = objectsFor({ mnemolite: { worker: { enabled: false } } }, 'mnemolite');
    expect(allowedConnections(objects)).toEqual(MNEMOLITE_INGRESS.filter((l) => !l.includes('mnemo-worker')));
    expect(JSON.stringify(objects.filter((o) => o.kind === 'NetworkPolicy'))).not.toContain('mnemo-worker');
  });
});
