/** SystemChart: the shared context its constructs read with SystemChart.of, and where that fails. */
import { App, Chart, Testing } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { BackendNetwork } from '../../charts/constructs/backend-network';
import { PgvectorPostgres } from '../../charts/constructs/pgvector-postgres';
import { PostgresBackup } from '../../charts/constructs/postgres-backup';
import { backupSchema } from '../../charts/constructs/postgres-config';
import { PythonService } from '../../charts/constructs/python-service';
import { RestrictedNamespace } from '../../charts/constructs/restricted-namespace';
import { NOTICE, SystemChart } from '../../charts/constructs/system-chart';
import { TraefikIngress } from '../../charts/constructs/traefik-ingress';
import { NO_INIT_SCRIPTS, SMALL_RESOURCES, SYSTEM, postgresConfig, synth, testChart } from '../support/construct-chart';

describe('SystemChart', () => {
  test('SystemChart.of finds the chart from any depth, with its system, cluster and namespace', () => {
    const chart = testChart({ arm64: true, ingressClass: 'nginx' });
    const deep = new Construct(new Construct(chart, 'a'), 'b');
    const found = SystemChart.of(deep);
    expect(found).toBe(chart);
    expect([found.system, found.namespace, found.cluster.arm64, found.cluster.ingressClass, found.cluster.storageClass]).toEqual([
      SYSTEM,
      'ns',
      true,
      'nginx',
      'local-path',
    ]);
  });

  test('objects keep the names given and an unnamed one gets no hash suffix; all are in the namespace', () => {
    const chart = testChart();
    new k8s.KubeConfigMap(chart, 'settings', { data: {} });
    new k8s.KubeConfigMap(chart, 'named', { metadata: { name: 'exact' } });
    expect(Testing.synth(chart).map((o) => [o.metadata.name, o.metadata.namespace])).toEqual([
      ['test-settings', 'ns'],
      ['exact', 'ns'],
    ]);
  });

  test('outside any chart, SystemChart.of throws', () => {
    expect(() => SystemChart.of(new Construct(new App(), 'loose'))).toThrow('cannot find a parent chart');
  });

  test('the notice metadata type is "notice"', () => expect(NOTICE).toBe('notice'));

  // Chart's static Symbol.hasInstance (attribute detection) makes `chart instanceof SystemChart` true for any Chart.
  test('inside a plain Chart, SystemChart.of throws "<path> is not inside a SystemChart"', () => {
    const plain = new Chart(new App(), 'plain');
    expect(() => SystemChart.of(new Construct(plain, 'inner'))).toThrow('plain/inner is not inside a SystemChart');
  });
});

describe('constructs that read SystemChart.of refuse a plain Chart', () => {
  const admin = { role: 'a', secretName: 'a' };
  const db = { host: 'h', port: 1, image: 'i:1', backupClaim: 'c' };
  const initScriptsDir = NO_INIT_SCRIPTS;
  const config = postgresConfig();
  const cases: Array<[string, (scope: Construct) => unknown]> = [
    ['RestrictedNamespace', (s) => new RestrictedNamespace(s, 'x')],
    ['TraefikIngress', (s) => new TraefikIngress(s, 'x', { name: 'x', routes: [{ host: 'h.example', service: 's', port: 80 }] })],
    ['BackendNetwork', (s) => new BackendNetwork(s, 'x', { workloads: [], connections: [] })],
    ['PgvectorPostgres', (s) => new PgvectorPostgres(s, 'x', { name: 'x', config, database: 'd', admin, initScriptsDir })],
    ['PostgresBackup', (s) => new PostgresBackup(s, 'x', { db, database: 'd', role: admin, config: backupSchema.parse({}) })],
    [
      'PythonService',
      (s) =>
        new PythonService(s, 'x', {
          identity: { name: 'x', component: 'api', version: '1' },
          image: 'i:1',
          replicas: 1,
          resources: SMALL_RESOURCES,
          env: {},
          http: { port: 80, healthPath: '/' },
          waitFor: { host: 'h', port: 1, image: 'i:1' },
        }),
    ],
  ];

  test.each(cases)('%s', (_, make) => {
    expect(() => make(new Chart(new App(), 'plain'))).toThrow();
    const chart = testChart();
    make(chart);
    expect(synth(chart).length).toBeGreaterThan(0);
  });
});
