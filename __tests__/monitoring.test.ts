/**
 * Monitoring where cluster.monitoring.prometheusOperator is on and the database's metrics are
 * (prod, ha): a PodMonitor that selects the database pods on their `metrics` port, a PrometheusRule
 * whose alerts name objects that exist, and a Grafana dashboard; none elsewhere.
 */
import { SYSTEMS } from '../app/registry';
import { ENVIRONMENTS, loadConfig, objectsFor, objectsOf } from './support/synth';

const STATEFULSET_ALERTS = [
  'ApiRestarting',
  'PostgresBackupTooOld',
  'PostgresConnectionsNearLimit',
  'PostgresDown',
  'PostgresOffsiteCheckTooOld',
  'VolumeAlmostFull',
];
const CNPG_ALERTS = [
  'ApiRestarting',
  'PostgresBackupTooOld',
  'PostgresConnectionsNearLimit',
  'PostgresDown',
  'PostgresReplicationLagHigh',
  'VolumeAlmostFull',
];

describe.each(ENVIRONMENTS.flatMap((env) => SYSTEMS.map((s) => [env, s.name])))('%s/%s', (env, system) => {
  const objects: any[] = objectsOf(env, system);
  const config: any = loadConfig(env);
  const on = config.cluster.monitoring.prometheusOperator && config[system].postgres.metrics.enabled;
  const kinds = ['PodMonitor', 'PrometheusRule'];

  if (!on) {
    test('no prometheus-operator objects, no dashboard', () => {
      expect(objects.filter((o) => kinds.includes(o.kind) || o.metadata.labels?.grafana_dashboard)).toEqual([]);
    });
    return;
  }

  test("the PodMonitor selects the database's pods, on the port named metrics, with Prometheus' selector labels", () => {
    const [monitor] = objects.filter((o) => o.kind === 'PodMonitor');
    const sts = objects.find((o) => o.kind === 'StatefulSet');
    const cluster = objects.find((o) => o.kind === 'Cluster');
    const podLabels = sts ? sts.spec.template.metadata.labels : cluster.spec.inheritedMetadata.labels;
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) expect([k, podLabels[k]]).toEqual([k, v]);
    expect(monitor.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', interval: '30s' }]);
    if (sts) expect(sts.spec.template.spec.containers.flatMap((c: any) => c.ports ?? []).map((p: any) => p.name)).toContain('metrics');
    expect(monitor.metadata.labels).toMatchObject(config.cluster.monitoring.labels);
  });

  test('the alerts of its engine, each scoped to its namespace, naming CronJobs that exist', () => {
    const [rule] = objects.filter((o) => o.kind === 'PrometheusRule');
    const rules = rule.spec.groups.flatMap((g: any) => g.rules);
    const cnpg = objects.some((o) => o.kind === 'Cluster');
    expect(rules.map((r: any) => r.alert).sort()).toEqual(cnpg ? CNPG_ALERTS : STATEFULSET_ALERTS);
    const ns = objects.find((o) => o.kind === 'Namespace').metadata.name;
    for (const r of rules) {
      expect([r.alert, r.expr]).toEqual([r.alert, expect.stringContaining(`namespace="${ns}"`)]);
      expect(['warning', 'critical']).toContain(r.labels.severity);
    }
    const cronJobs = new Set(objects.filter((o) => o.kind === 'CronJob').map((o) => o.metadata.name));
    for (const r of rules)
      for (const [, name] of r.expr.matchAll(/cronjob="([^"]+)"/g)) expect([r.alert, cronJobs.has(name)]).toEqual([r.alert, true]);
  });

  test("a Grafana dashboard the sidecar picks up, of the namespace's metrics", () => {
    const [board] = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
    const json = JSON.parse(Object.values<string>(board.data)[0]);
    const ns = objects.find((o) => o.kind === 'Namespace').metadata.name;
    expect(json.panels.length).toBeGreaterThan(3);
    for (const p of json.panels) expect(p.targets[0].expr).toContain(`namespace="${ns}"`);
  });
});

test('with prometheus-operator on but metrics off, nothing is emitted (there would be nothing to scrape)', () => {
  const objects: any[] = objectsFor({ cluster: { monitoring: { prometheusOperator: true } } }, 'booksync');
  expect(objects.filter((o) => ['PodMonitor', 'PrometheusRule'].includes(o.kind))).toEqual([]);
});

test("a configured label never replaces the project's own (the component sets the sync wave)", () => {
  const labels = { release: 'kube-prometheus-stack', 'app.kubernetes.io/component': 'api', 'app.kubernetes.io/part-of': 'x' };
  const raw = { cluster: { monitoring: { prometheusOperator: true, labels } }, booksync: { postgres: { metrics: { enabled: true } } } };
  const objects: any[] = objectsFor(raw, 'booksync');
  const monitoring = objects.filter((o) => ['PodMonitor', 'PrometheusRule'].includes(o.kind));
  expect(monitoring).toHaveLength(2);
  for (const o of monitoring) {
    expect(o.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(o.metadata.labels['app.kubernetes.io/component']).toBe('monitoring');
    expect(o.metadata.labels['app.kubernetes.io/part-of']).not.toBe('x');
  }
});
