/**
 * The nightly backup of a pgvector Postgres: a CronJob that runs `pg_dump --format=custom`
 * as the admin role into the StatefulSet's `backups` volume (its own storage class and size),
 * then keeps the newest N dumps. One dump at a time (Forbid), a deadline, short histories,
 * and the same Pod Security "restricted" context as everything else.
 *
 * How it starts: the CronJob controller creates a Job on the schedule; its pod runs the
 * postgres image's own pg_dump against the database Service. The volume is local-path's
 * node-local disk by default, so the pod lands on the database's node.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { BackupConfig } from './postgres-config';
import { kubeScoreIgnore } from './lint-exceptions';
import { BACKUP_DIR, DatabaseRole, POSTGRES_UID } from './postgres-common';
import { archAffinity, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from './pod-security';
import { SystemChart } from './system-chart';
import { imageTag, workloadLabels } from './workload-identity';

/**
 * The backup, as the pod runs it with `sh -c`: a dump named <database>-<UTC time>.dump,
 * readable by its owner only, written under a temporary name (removed if pg_dump fails) and
 * renamed when complete, then all but the newest $KEEP removed. Connection settings come from
 * the libpq variables (PGHOST, PGUSER, PGPASSWORD…).
 */
export const BACKUP_SCRIPT = [
  'set -eu',
  'umask 077',
  'target="$BACKUP_DIR/$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"',
  'trap \'rm -f -- "$target.partial"\' EXIT',
  'pg_dump --format=custom --no-password --file="$target.partial"',
  'mv "$target.partial" "$target"',
  'echo "wrote $target ($(du -h "$target" | cut -f1))"',
  'ls -1 "$BACKUP_DIR/$PGDATABASE"-*.dump | sort -r | tail -n +$((KEEP + 1)) | ' +
    'while read -r old; do rm -f -- "$old"; echo "removed $old"; done',
].join('\n');

export interface PostgresBackupProps {
  /** The database Service and StatefulSet it backs up. */
  readonly db: { readonly host: string; readonly port: number; readonly image: string; readonly backupClaim: string };
  readonly database: string;
  readonly admin: DatabaseRole;
  /** Schedule, time zone and retention. */
  readonly config: BackupConfig;
}

export class PostgresBackup extends Construct {
  /** The CronJob's name, also its pods' app.kubernetes.io/name (for network policies). */
  public readonly name: string;

  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    super(scope, id);
    const { system, cluster } = SystemChart.of(this);
    this.name = `${props.db.host}-backup`;
    const labels = workloadLabels({ name: this.name, system: system.name, component: 'backup', version: imageTag(props.db.image) });
    const resources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
    new k8s.KubeCronJob(this, 'cronjob', {
      metadata: {
        name: this.name,
        labels,
        annotations: kubeScoreIgnore('container-image-pull-policy', 'container-security-context-user-group-id'),
      },
      spec: {
        schedule: props.config.schedule,
        timeZone: props.config.timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 3600,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: 'Never',
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: restrictedPodSecurity(POSTGRES_UID),
                affinity: archAffinity(cluster.arm64),
                containers: [
                  {
                    name: 'pg-dump',
                    image: props.db.image,
                    imagePullPolicy: 'IfNotPresent',
                    command: ['sh', '-c', BACKUP_SCRIPT],
                    env: [
                      { name: 'PGHOST', value: props.db.host },
                      { name: 'PGPORT', value: String(props.db.port) },
                      { name: 'PGUSER', value: props.admin.role },
                      { name: 'PGDATABASE', value: props.database },
                      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: props.admin.secretName, key: 'password' } } },
                      { name: 'BACKUP_DIR', value: BACKUP_DIR },
                      { name: 'KEEP', value: String(props.config.keep) },
                    ],
                    resources: resourceRequirements(resources, ['64Mi']),
                    securityContext: restrictedContainerSecurity(POSTGRES_UID),
                    volumeMounts: [
                      { name: 'backups', mountPath: BACKUP_DIR },
                      { name: 'tmp', mountPath: '/tmp' },
                    ],
                  },
                ],
                volumes: [{ name: 'backups', persistentVolumeClaim: { claimName: props.db.backupClaim } }, scratchVolume('tmp', '64Mi')],
              },
            },
          },
        },
      },
    });
  }
}
