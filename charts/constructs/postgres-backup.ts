/**
 * The nightly backup of a pgvector Postgres: a CronJob that runs `pg_dump --format=custom`
 * as the read-only backup role into the StatefulSet's `backups` volume (its own storage class
 * and size), then keeps the newest N dumps. One dump at a time (Forbid), a deadline, short
 * histories (failed Jobs are kept for inspection), and the same Pod Security "restricted"
 * context as everything else.
 *
 * With `offsite` on, the dump runs as an init container and rclone then copies it off the node,
 * encrypted on the client by its crypt remote, to an S3-compatible bucket or SFTP, and prunes
 * the target to the newest dump of each of the last N days, weeks and months; a second CronJob
 * checks the copies every week. A failing step fails the Job.
 *
 * How it starts: the CronJob controller creates a Job on the schedule; its pod runs the
 * postgres image's own pg_dump against the database Service, then the rclone image's rclone.
 * The volume is local-path's node-local disk by default, so the pod lands on the database's node.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { Connection } from './backend-network';
import { checkovSkip, envSecretChecks, kubeScoreIgnore, tagChecks } from './lint-exceptions';
import { OffsiteConfig } from './offsite-config';
import { archAffinity, resourceRequirements, restrictedContainerSecurity, restrictedPodSecurity, scratchVolume } from './pod-security';
import { BACKUP_DIR, DatabaseRole, PASSWORD_FILE, POSTGRES_UID, rolePasswordFile } from './postgres-common';
import { BackupConfig } from './postgres-config';
import { offsiteSecretName } from './postgres-secrets';
import { SystemChart } from './system-chart';
import { imageTag, workloadLabels } from './workload-identity';

/**
 * The backup, as the pod runs it with `sh -c`: a dump named <database>-<UTC time>.dump,
 * readable by its owner only, written under a temporary name (removed if pg_dump fails) and
 * renamed when complete, then all but the newest $KEEP removed. Connection settings come from
 * the libpq variables (PGHOST, PGUSER…); the password from $PGPASSFILE, which the script writes
 * first from the mounted Secret file $PGPASSWORD_FILE: libpq ignores a password file anyone but
 * its owner can read, and the Secret volume's files are root's, group-readable.
 * A backslash or colon in the password is escaped, as the password file's format asks.
 */
export const BACKUP_SCRIPT = [
  'set -eu',
  'umask 077',
  String.raw`printf '*:*:*:*:%s\n' "$(sed 's/[\\:]/\\&/g' "$PGPASSWORD_FILE")" > "$PGPASSFILE"`,
  'target="$BACKUP_DIR/$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"',
  'trap \'rm -f -- "$target.partial"\' EXIT',
  'pg_dump --format=custom --no-password --file="$target.partial"',
  'mv "$target.partial" "$target"',
  'echo "wrote $target ($(du -h "$target" | cut -f1))"',
  'ls -1 "$BACKUP_DIR/$PGDATABASE"-*.dump | sort -r | tail -n +$((KEEP + 1)) | ' +
    'while read -r old; do rm -f -- "$old"; echo "removed $old"; done',
].join('\n');

/**
 * Which remote dumps to delete, given their names newest first on stdin: every one that is not
 * the newest of one of the last $daily days, $weekly weeks (Monday to Sunday) or $monthly months
 * that have a dump. Dates come from the names (<database>-YYYYMMDDTHHMMSSZ.dump); weeks from the
 * Julian day number, whose remainder by 7 is 0 on Mondays. POSIX awk (busybox and mawk alike).
 */
export const RETENTION_AWK = [
  '{',
  '  if (!match($0, /[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T/)) next',
  '  ymd = substr($0, RSTART, 8); y = substr(ymd, 1, 4) + 0; m = substr(ymd, 5, 2) + 0; d = substr(ymd, 7, 2) + 0',
  '  a = int((14 - m) / 12); yy = y + 4800 - a; mm = m + 12 * a - 3',
  '  week = int((d + int((153 * mm + 2) / 5) + 365 * yy + int(yy / 4) - int(yy / 100) + int(yy / 400) - 32045) / 7)',
  '  month = substr(ymd, 1, 6); keep = 0',
  '  if (!(ymd in days) && nd < daily) { days[ymd] = 1; nd++; keep = 1 }',
  '  if (!(week in weeks) && nw < weekly) { weeks[week] = 1; nw++; keep = 1 }',
  '  if (!(month in months) && nm < monthly) { months[month] = 1; nm++; keep = 1 }',
  '  if (!keep) print',
  '}',
].join('\n');

/**
 * rclone's settings that come from Secrets, turned into the obscured form it reads
 * (`rclone obscure`), and the SFTP host key into a file; then the dump names on the target.
 */
const RCLONE_PRELUDE = [
  'set -eu',
  // "--": a generated password may begin with "-", which rclone would take for a flag.
  'RCLONE_CONFIG_OFFSITE_PASSWORD="$(rclone obscure -- "$REPOSITORY_PASSWORD")"',
  'RCLONE_CONFIG_OFFSITE_PASSWORD2="$(rclone obscure -- "$REPOSITORY_SALT")"',
  'export RCLONE_CONFIG_OFFSITE_PASSWORD RCLONE_CONFIG_OFFSITE_PASSWORD2',
  'if [ -n "${TARGET_PASSWORD:-}" ]; then',
  '  RCLONE_CONFIG_TARGET_PASS="$(rclone obscure -- "$TARGET_PASSWORD")"',
  '  export RCLONE_CONFIG_TARGET_PASS',
  'fi',
  'if [ -n "${KNOWN_HOSTS:-}" ]; then printf \'%s\\n\' "$KNOWN_HOSTS" > /tmp/known_hosts; fi',
  'remote_dumps() {',
  '  rclone lsf --files-only offsite: > /tmp/remote',
  '  grep -E "^$PGDATABASE-[0-9]{8}T[0-9]{6}Z[.]dump$" /tmp/remote | sort -r || true',
  '}',
];

/**
 * The copy off the node, after the dump: the newest local dump uploaded (never over an existing
 * copy: --immutable), then the target pruned by RETENTION_AWK.
 */
export const OFFSITE_SCRIPT = [
  ...RCLONE_PRELUDE,
  'newest="$(ls -1 "$BACKUP_DIR/$PGDATABASE"-*.dump | sort | tail -n 1)"',
  'rclone copy --immutable --no-traverse "$newest" offsite:',
  'echo "copied $(basename "$newest") off the node"',
  'remote_dumps > /tmp/dumps',
  'awk -v daily="$KEEP_DAILY" -v weekly="$KEEP_WEEKLY" -v monthly="$KEEP_MONTHLY" "$RETENTION_AWK" /tmp/dumps > /tmp/prune',
  'while read -r old; do rclone deletefile "offsite:$old"; echo "pruned $old"; done < /tmp/prune',
  // What an upload cut short may leave (SFTP writes to a .partial name, then renames).
  'rclone delete --include "*.partial" --min-age 6h offsite:',
  'echo "the target keeps $(($(wc -l < /tmp/dumps) - $(wc -l < /tmp/prune))) dump(s)"',
].join('\n');

/**
 * The weekly check of the copies: every dump still on the volume matches its copy, byte for byte
 * once decrypted, and the newest copy decrypts whole (each 64 KiB block is authenticated) into a
 * pg_dump archive.
 */
export const CHECK_SCRIPT = [
  ...RCLONE_PRELUDE,
  // --download: every target can be checked, hashes or not (SFTP without a shell has none).
  'rclone check --one-way --download --include "$PGDATABASE-*.dump" "$BACKUP_DIR" offsite:',
  'newest="$(remote_dumps | head -n 1)"',
  'if [ -z "$newest" ]; then echo "no copy of $PGDATABASE on the target"; exit 1; fi',
  'rclone cat "offsite:$newest" > /dev/null',
  'rclone cat --count 5 "offsite:$newest" > /tmp/magic',
  'if [ "$(cat /tmp/magic)" != PGDMP ]; then echo "$newest does not decrypt to a pg_dump archive"; exit 1; fi',
  'echo "checked: the local dumps match their copies, and $newest decrypts whole"',
].join('\n');

export interface PostgresBackupProps {
  /** The database Service and StatefulSet it backs up. */
  readonly db: { readonly host: string; readonly port: number; readonly image: string; readonly backupClaim: string };
  readonly database: string;
  /** The role pg_dump logs in as: the read-only backup role. */
  readonly role: DatabaseRole;
  /** Schedule, time zone, retention and the off-node copy. */
  readonly config: BackupConfig;
}

const DUMP_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const RCLONE_RESOURCES = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

export class PostgresBackup extends Construct {
  /** The CronJob's name, also its pods' app.kubernetes.io/name (for network policies). */
  public readonly name: string;
  /** The integrity check's CronJob, when the off-node copy is on. */
  public readonly checkName?: string;
  /** What its pods must reach: the database, and the off-node target. */
  public readonly connections: Connection[];

  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    super(scope, id);
    const { system, cluster } = SystemChart.of(this);
    this.name = `${props.db.host}-backup`;
    const offsite = props.config.offsite.enabled ? props.config.offsite : undefined;
    const version = imageTag(props.db.image);
    const password = rolePasswordFile(props.role);
    const dump: k8s.Container = {
      name: 'pg-dump',
      image: props.db.image,
      imagePullPolicy: 'IfNotPresent',
      command: ['sh', '-c', BACKUP_SCRIPT],
      env: [
        { name: 'PGHOST', value: props.db.host },
        { name: 'PGPORT', value: String(props.db.port) },
        { name: 'PGUSER', value: props.role.role },
        { name: 'PGDATABASE', value: props.database },
        { name: 'PGPASSWORD_FILE', value: PASSWORD_FILE },
        { name: 'PGPASSFILE', value: '/tmp/pgpass' },
        { name: 'BACKUP_DIR', value: BACKUP_DIR },
        { name: 'KEEP', value: String(props.config.keep) },
      ],
      resources: resourceRequirements(DUMP_RESOURCES, ['64Mi']),
      securityContext: restrictedContainerSecurity(POSTGRES_UID),
      volumeMounts: [{ name: 'backups', mountPath: BACKUP_DIR }, { name: 'tmp', mountPath: '/tmp' }, password.mount],
    };
    const cronJob = (name: string, schedule: string, containers: k8s.Container[], initContainers?: k8s.Container[]) => {
      const labels = workloadLabels({ name, system: system.name, component: 'backup', version });
      const all = [...(initContainers ?? []), ...containers];
      const annotations = {
        ...kubeScoreIgnore('container-image-pull-policy', 'container-security-context-user-group-id'),
        ...checkovSkip(...tagChecks(all), 'CKV_K8S_40', ...envSecretChecks(all)),
      };
      new k8s.KubeCronJob(this, name, {
        metadata: { name, labels, annotations },
        spec: {
          schedule,
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
                  initContainers,
                  containers,
                  volumes: [
                    { name: 'backups', persistentVolumeClaim: { claimName: props.db.backupClaim } },
                    scratchVolume('tmp', '64Mi'),
                    ...(all.includes(dump) ? [password.volume] : []),
                  ],
                },
              },
            },
          },
        },
      });
    };

    this.connections = [{ from: this.name, to: props.db.host, port: props.db.port }];
    if (!offsite) {
      cronJob(this.name, props.config.schedule, [dump]);
      return;
    }
    const target = { kind: 'cidr', cidr: offsite.network!.cidr } as const;
    const rclone = (name: string, script: string) =>
      rcloneContainer(name, script, offsite, props.database, offsiteSecretName(props.db.host));
    cronJob(this.name, props.config.schedule, [rclone('offsite', OFFSITE_SCRIPT)], [dump]);
    this.checkName = `${props.db.host}-offsite-check`;
    cronJob(this.checkName, offsite.checkSchedule, [rclone('check', CHECK_SCRIPT)]);
    this.connections.push(
      { from: this.name, to: target, port: offsite.network!.port },
      { from: this.checkName, to: target, port: offsite.network!.port },
    );
  }
}

/** An rclone container configured by environment only: the target remote, the crypt remote over it, the Secret's values. */
function rcloneContainer(name: string, script: string, offsite: OffsiteConfig, database: string, secretName: string): k8s.Container {
  const secret = (key: string, optional = false) => ({ secretKeyRef: { name: secretName, key, optional } });
  const t = offsite.target!;
  const folder = t.type === 's3' ? `${t.bucket}/${offsite.path}` : offsite.path;
  const targetEnv: k8s.EnvVar[] =
    t.type === 's3'
      ? [
          { name: 'RCLONE_CONFIG_TARGET_TYPE', value: 's3' },
          { name: 'RCLONE_CONFIG_TARGET_PROVIDER', value: t.provider },
          { name: 'RCLONE_CONFIG_TARGET_ENDPOINT', value: t.endpoint },
          { name: 'RCLONE_CONFIG_TARGET_REGION', value: t.region },
          { name: 'RCLONE_CONFIG_TARGET_FORCE_PATH_STYLE', value: 'true' },
          { name: 'RCLONE_CONFIG_TARGET_NO_CHECK_BUCKET', value: 'true' },
          { name: 'RCLONE_CONFIG_TARGET_ACCESS_KEY_ID', valueFrom: secret('target-access-key-id') },
          { name: 'RCLONE_CONFIG_TARGET_SECRET_ACCESS_KEY', valueFrom: secret('target-secret-access-key') },
        ]
      : [
          { name: 'RCLONE_CONFIG_TARGET_TYPE', value: 'sftp' },
          { name: 'RCLONE_CONFIG_TARGET_HOST', value: t.host },
          { name: 'RCLONE_CONFIG_TARGET_PORT', value: String(t.port) },
          { name: 'RCLONE_CONFIG_TARGET_USER', value: t.user },
          { name: 'RCLONE_CONFIG_TARGET_SHELL_TYPE', value: 'none' },
          { name: 'RCLONE_CONFIG_TARGET_DISABLE_HASHCHECK', value: 'true' },
          { name: 'RCLONE_CONFIG_TARGET_KNOWN_HOSTS_FILE', value: '/tmp/known_hosts' },
          // "$$" is the kubelet's escape for "$": a host pattern cannot expand another variable.
          { name: 'KNOWN_HOSTS', value: t.knownHosts.replace(/\$/g, '$$$$') },
          { name: 'TARGET_PASSWORD', valueFrom: secret('target-password') },
        ];
  return {
    name,
    image: offsite.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', script],
    env: [
      { name: 'HOME', value: '/tmp' },
      { name: 'RCLONE_CONFIG', value: '/tmp/rclone.conf' },
      { name: 'RCLONE_CACHE_DIR', value: '/tmp/rclone-cache' },
      ...targetEnv,
      { name: 'RCLONE_CONFIG_OFFSITE_TYPE', value: 'crypt' },
      { name: 'RCLONE_CONFIG_OFFSITE_REMOTE', value: `target:${folder}/${database}` },
      { name: 'RCLONE_CONFIG_OFFSITE_FILENAME_ENCRYPTION', value: 'standard' },
      // A wrong password makes listing fail, instead of showing an empty target (and pruning nothing, silently).
      { name: 'RCLONE_CONFIG_OFFSITE_STRICT_NAMES', value: 'true' },
      // A target that stops answering fails the step in about a minute, not after rclone's default 20.
      { name: 'RCLONE_CONTIMEOUT', value: '10s' },
      { name: 'RCLONE_TIMEOUT', value: '60s' },
      { name: 'RCLONE_LOW_LEVEL_RETRIES', value: '3' },
      { name: 'RCLONE_RETRIES', value: '2' },
      { name: 'REPOSITORY_PASSWORD', valueFrom: secret('repository-password') },
      { name: 'REPOSITORY_SALT', valueFrom: secret('repository-salt') },
      { name: 'PGDATABASE', value: database },
      { name: 'BACKUP_DIR', value: BACKUP_DIR },
      { name: 'KEEP_DAILY', value: String(offsite.keep.daily) },
      { name: 'KEEP_WEEKLY', value: String(offsite.keep.weekly) },
      { name: 'KEEP_MONTHLY', value: String(offsite.keep.monthly) },
      { name: 'RETENTION_AWK', value: RETENTION_AWK },
    ],
    resources: resourceRequirements(RCLONE_RESOURCES, ['64Mi']),
    securityContext: restrictedContainerSecurity(POSTGRES_UID),
    volumeMounts: [
      { name: 'backups', mountPath: BACKUP_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
  };
}
