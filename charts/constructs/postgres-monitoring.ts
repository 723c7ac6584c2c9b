/**
 * A system's database watched by prometheus-operator (cluster.monitoring.prometheusOperator):
 * a PodMonitor of its metrics port, a PrometheusRule with the alerts a home-lab wants to hear
 * about without running `npm run status`, and a Grafana dashboard as a ConfigMap with the Grafana
 * sidecar's label. The metrics: postgres_exporter's (statefulset engine) or CloudNativePG's own
 * exporter (both on port 9187, named `metrics`), kube-state-metrics' (CronJobs, restarts) and the
 * kubelet's (volume usage).
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SystemChart } from './system-chart';
import { systemLabels } from './workload-identity';

export interface PostgresMonitoringProps {
  /** The database workload (its pods carry its selector labels). */
  readonly name: string;
  readonly selector: Record<string, string>;
  readonly engine: 'statefulset' | 'cloudnative-pg';
  /** The nightly backup CronJob (statefulset engine). @default none */
  readonly backupCronJob?: string;
  /** The off-node copies' weekly check CronJob, when the copy is on. @default none */
  readonly offsiteCheckCronJob?: string;
}

interface Alert {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  readonly summary: string;
}

const HOURS_26 = '26 * 3600';
/**
 * The newest base backup in the object store, from the Barman Cloud plugin's sidecar on each instance. The in-core
 * cnpg_collector_last_available_backup_timestamp stays 0 under plugin backups (CloudNativePG 1.26 and later).
 */
const PLUGIN_BACKUP_TIME = 'barman_cloud_cloudnative_pg_io_last_available_backup_timestamp';

export class PostgresMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: PostgresMonitoringProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    const ns = chart.namespace!; // a SystemChart always has its namespace
    // The configured labels (what Prometheus selects on) never replace the project's own, which set the sync wave.
    const labels = { ...chart.cluster.monitoring.labels, ...systemLabels(chart.system, 'monitoring') };
    const sel = (extra = '') => `{namespace="${ns}"${extra}}`;
    const cnpg = props.engine === 'cloudnative-pg';
    const cronAge = (cronJob: string) => `time() - kube_cronjob_status_last_successful_time${sel(`, cronjob="${cronJob}"`)}`;
    const alerts: Alert[] = [
      {
        alert: 'PostgresDown',
        expr: `${cnpg ? 'cnpg_collector_up' : 'pg_up'}${sel()} == 0`,
        for: '5m',
        severity: 'critical',
        summary: `The database of ${ns} does not answer its exporter.`,
      },
      ...(cnpg
        ? [
            {
              alert: 'PostgresBackupTooOld',
              expr: `time() - max by (namespace) (${PLUGIN_BACKUP_TIME}${sel()}) > ${HOURS_26}`,
              for: '10m',
              severity: 'critical' as const,
              summary: `The newest base backup of ${ns} in the object store is more than 26 hours old.`,
            },
            {
              alert: 'PostgresReplicationLagHigh',
              expr: `cnpg_pg_replication_lag${sel()} > 300`,
              for: '5m',
              severity: 'warning' as const,
              summary: `A replica of ${ns} is more than 5 minutes behind its primary.`,
            },
          ]
        : []),
      ...(props.backupCronJob
        ? [
            {
              alert: 'PostgresBackupTooOld',
              expr: `${cronAge(props.backupCronJob)} > ${HOURS_26}`,
              for: '10m',
              severity: 'critical' as const,
              summary: `The last successful nightly backup of ${ns} is more than 26 hours old.`,
            },
          ]
        : []),
      ...(props.offsiteCheckCronJob
        ? [
            {
              alert: 'PostgresOffsiteCheckTooOld',
              expr: `${cronAge(props.offsiteCheckCronJob)} > 8 * 86400`,
              for: '1h',
              severity: 'warning' as const,
              summary: `The weekly check of the off-node copies of ${ns} has not succeeded for 8 days.`,
            },
          ]
        : []),
      {
        alert: 'VolumeAlmostFull',
        expr: `kubelet_volume_stats_used_bytes${sel()} / kubelet_volume_stats_capacity_bytes${sel()} > 0.8`,
        for: '15m',
        severity: 'warning',
        summary: `A volume of ${ns} is more than 80% full.`,
      },
      {
        alert: 'PostgresConnectionsNearLimit',
        expr: cnpg
          ? `sum by (namespace) (cnpg_backends_total${sel()}) / on (namespace) ` +
            `max by (namespace) (cnpg_pg_settings_setting${sel(', name="max_connections"')}) > 0.8`
          : `sum by (namespace) (pg_stat_activity_count${sel()}) / on (namespace) ` +
            `max by (namespace) (pg_settings_max_connections${sel()}) > 0.8`,
        for: '10m',
        severity: 'warning',
        summary: `The database of ${ns} uses more than 80% of max_connections.`,
      },
      {
        alert: 'ApiRestarting',
        expr: `increase(kube_pod_container_status_restarts_total${sel(', container=~"api|worker"')}[15m]) > 2`,
        for: '5m',
        severity: 'warning',
        summary: `A pod of ${ns} restarts over and over.`,
      },
    ];

    new ApiObject(this, 'pod-monitor', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: props.name, labels },
      spec: { selector: { matchLabels: props.selector }, podMetricsEndpoints: [{ port: 'metrics', interval: '30s' }] },
    });
    new ApiObject(this, 'rules', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: `${chart.system.name}-alerts`, labels },
      spec: {
        groups: [
          {
            name: `${chart.system.name}.rules`,
            rules: alerts.map((a) => ({
              alert: a.alert,
              expr: a.expr,
              for: a.for,
              labels: { severity: a.severity },
              annotations: { summary: a.summary },
            })),
          },
        ],
      },
    });
    new k8s.KubeConfigMap(this, 'dashboard', {
      metadata: { name: `${chart.system.name}-dashboard`, labels: { ...labels, grafana_dashboard: '1' } },
      data: { [`${chart.system.name}.json`]: JSON.stringify(dashboard(chart.system.name, ns, cnpg), null, 1) },
    });
  }
}

/** A Grafana dashboard of the same signals as the alerts. */
function dashboard(system: string, ns: string, cnpg: boolean): object {
  const panel = (id: number, title: string, expr: string, unit = 'short') => ({
    id,
    title,
    type: 'timeseries',
    gridPos: { h: 8, w: 12, x: ((id - 1) % 2) * 12, y: Math.floor((id - 1) / 2) * 8 },
    datasource: { type: 'prometheus', uid: '${datasource}' },
    fieldConfig: { defaults: { unit } },
    targets: [{ expr, refId: 'A' }],
  });
  const sel = `{namespace="${ns}"}`;
  return {
    title: `${system}: database and apps`,
    uid: `pi-gitops-${system}`,
    schemaVersion: 39,
    time: { from: 'now-24h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus' }] },
    panels: [
      panel(1, 'Database up', `${cnpg ? 'cnpg_collector_up' : 'pg_up'}${sel}`),
      panel(2, 'Connections', cnpg ? `sum(cnpg_backends_total${sel})` : `sum(pg_stat_activity_count${sel})`),
      panel(3, 'Volume used', `kubelet_volume_stats_used_bytes${sel} / kubelet_volume_stats_capacity_bytes${sel}`, 'percentunit'),
      panel(4, 'Container restarts (15m)', `increase(kube_pod_container_status_restarts_total${sel}[15m])`),
      panel(
        5,
        'Age of the newest backup',
        cnpg ? `time() - max(${PLUGIN_BACKUP_TIME}${sel})` : `time() - max(kube_cronjob_status_last_successful_time${sel})`,
        's',
      ),
    ],
  };
}
