/** PgvectorPostgres alone: StatefulSet, Services, init ConfigMap and what each prop changes. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageTag } from '../../charts/constructs/workload-identity';
import { PgvectorPostgres, PgvectorPostgresProps } from '../../charts/constructs/pgvector-postgres';
import { PGVECTOR_IMAGE } from '../../charts/constructs/postgres-config';
import { postgresCpuSettings, postgresMemorySettings } from '../../charts/constructs/postgres-settings';
import { BACKUP_ROLE, EXPORTER_ROLE, roleSecretName } from '../../lib/secrets';
import {
  ARM64_TERMS,
  danglingMounts,
  envOf,
  nodeTerms,
  one,
  postgresConfig,
  restrictedViolations,
  selects,
  synth,
  testChart,
} from '../support/construct-chart';

const sqlDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgvector-sql-'));
fs.writeFileSync(path.join(sqlDir, '10-schema.sql'), 'CREATE EXTENSION vector;\n');
fs.writeFileSync(path.join(sqlDir, '95-late.sh'), 'true\n');
afterAll(() => fs.rmSync(sqlDir, { recursive: true }));
const admin = { role: 'app_admin', secretName: 'db-app-admin' };
const minimal = { name: 'db', config: postgresConfig(), database: 'app', admin, initScriptsDir: sqlDir };

function build(props: Partial<PgvectorPostgresProps> = {}, cluster = {}) {
  const chart = testChart(cluster);
  const db = new PgvectorPostgres(chart, 'db', { ...minimal, ...props });
  const objects = synth(chart);
  const sts = one(objects, 'StatefulSet', 'db');
  const pod = sts.spec.template.spec;
  const pg = pod.containers.find((c: any) => c.name === 'postgres');
  const settings = Object.fromEntries(pg.args.filter((_: string, i: number) => pg.args[i - 1] === '-c').map((a: string) => a.split('=')));
  return { db, objects, sts, pod, pg, settings, passwords: pod.volumes.find((v: any) => v.name === 'role-passwords').projected.sources };
}

/** The ConfigMap's pg_hba.conf, which the server reads instead of the image's (that trusts 127.0.0.1). */
const HBA_FILE = '/docker-entrypoint-initdb.d/pg_hba.conf';

describe('PgvectorPostgres, minimal props', () => {
  const { db, objects, sts, pod, pg, settings, passwords } = build();

  test('makes the init ConfigMap, a Service and a headless Service, the StatefulSet and (backups on by default) a CronJob', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/db-init',
      'CronJob/db-backup',
      'Service/db',
      'Service/db-headless',
      'StatefulSet/db',
    ]);
    expect(objects.every((o) => o.metadata.namespace === 'ns')).toBe(true);
    expect([db.host, db.port, db.image, db.backupClaim, db.scrapers]).toEqual(['db', 5432, PGVECTOR_IMAGE, 'backups-db-0', []]);
  });

  test('labels its objects and pod as the database of the system, versioned by the image tag', () => {
    const database = objects.filter((o) => o.kind !== 'CronJob').map((o) => o.metadata.labels);
    expect([...database, sts.spec.template.metadata.labels]).toEqual(
      Array(5).fill({
        'app.kubernetes.io/name': 'db',
        'app.kubernetes.io/instance': 'sys',
        'app.kubernetes.io/component': 'database',
        'app.kubernetes.io/part-of': 'sys',
        'app.kubernetes.io/version': imageTag(PGVECTOR_IMAGE),
        'app.kubernetes.io/managed-by': 'cdk8s',
      }),
    );
  });

  test('both Services select the pod, on ports the container declares; the headless one governs the StatefulSet', () => {
    const service = one(objects, 'Service', 'db');
    const headless = one(objects, 'Service', 'db-headless');
    expect(service.spec.selector).toEqual(sts.spec.selector.matchLabels);
    for (const s of [service, headless]) {
      expect(selects(s.spec.selector, sts.spec.template.metadata.labels)).toBe(true);
      expect(s.spec.ports.map((p: any) => p.targetPort)).toEqual(['postgres']);
    }
    expect(pg.ports).toEqual([{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }]);
    expect(service.spec.ports[0].port).toBe(5432);
    expect([headless.spec.clusterIP, sts.spec.serviceName, sts.spec.replicas]).toEqual(['None', 'db-headless', 1]);
  });

  test('mounts only volumes or claim templates that exist; claim templates are complete and on the cluster storage class', () => {
    expect(danglingMounts(sts.spec.template, sts.spec.volumeClaimTemplates)).toEqual([]);
    const claim = (t: any) => [t.apiVersion, t.kind, t.metadata.name, t.spec.storageClassName, t.spec.resources.requests.storage];
    expect(sts.spec.volumeClaimTemplates.map(claim)).toEqual([
      ['v1', 'PersistentVolumeClaim', 'data', 'local-path', '1Gi'],
      ['v1', 'PersistentVolumeClaim', 'backups', 'local-path', '10Gi'],
    ]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(pg.volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups', readOnly: true });
  });

  test('the init ConfigMap holds the common scripts and the system folder, and is what the pod mounts', () => {
    const init = one(objects, 'ConfigMap', 'db-init');
    expect(Object.keys(init.data).sort()).toEqual([
      '10-schema.sql',
      '90-metrics-role.sh',
      '91-backup-role.sh',
      '95-late.sh',
      'backup-role.psql',
      'metrics-role.psql',
      'pg_hba.conf',
    ]);
    expect(init.data['10-schema.sql']).toBe('CREATE EXTENSION vector;\n');
    expect(pod.volumes).toContainEqual({ name: 'init-scripts', configMap: { name: 'db-init', defaultMode: 0o444 } });
  });

  test('its pg_hba.conf trusts the Unix socket only: every TCP connection, loopback included, needs a SCRAM password', () => {
    const rules = (one(objects, 'ConfigMap', 'db-init').data['pg_hba.conf'] as string)
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'))
      .map((l) => l.trim().split(/\s+/));
    expect(rules).toEqual([
      ['local', 'all', 'all', 'trust'],
      ['host', 'all', 'all', '0.0.0.0/0', 'scram-sha-256'],
      ['host', 'all', 'all', '::/0', 'scram-sha-256'],
    ]);
    expect(pg.volumeMounts).toContainEqual({ name: 'init-scripts', mountPath: '/docker-entrypoint-initdb.d', readOnly: true });
  });

  test('reads the admin password from a file of its Secret; no initdb args, no extra env', () => {
    // The admin's, and the backup role's (backups are on by default).
    expect(passwords).toEqual([
      { secret: { name: 'db-app-admin', items: [{ key: 'password', path: 'app_admin' }] } },
      { secret: { name: 'db-postgres-backup', items: [{ key: 'password', path: 'postgres_backup' }] } },
    ]);
    const mount = pg.volumeMounts.find((m: any) => m.name === 'role-passwords').mountPath;
    expect(envOf(pg)).toEqual({
      POSTGRES_USER: 'app_admin',
      POSTGRES_DB: 'app',
      POSTGRES_PASSWORD_FILE: `${mount}/app_admin`,
      PGDATA: '/var/lib/postgresql/data/pgdata',
      DB_ROLE_PASSWORDS_DIR: mount,
    });
  });

  test('starts postgres with the settings derived from its limits', () => {
    expect(pg.args[0]).toBe('postgres');
    expect(settings).toEqual({ ...postgresMemorySettings(512 * 2 ** 20, 20), ...postgresCpuSettings(500), hba_file: HBA_FILE });
  });

  test('is restricted as uid 999 with requests equal to limits, an in-memory /dev/shm of a quarter of the limit, no arch pin', () => {
    expect(restrictedViolations(pod)).toEqual([]);
    expect([pod.securityContext.runAsUser, pg.securityContext.runAsUser, pg.securityContext.readOnlyRootFilesystem]).toEqual([
      999,
      999,
      true,
    ]);
    for (const r of ['cpu', 'memory']) expect(pg.resources.requests[r]).toBe(pg.resources.limits[r]);
    expect(pod.volumes.find((v: any) => v.name === 'shm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: '128Mi' });
    expect(nodeTerms(pod)).toBeUndefined();
  });

  test('has no metrics sidecar, port or scrape annotations', () => {
    expect(pod.containers.map((c: any) => c.name)).toEqual(['postgres']);
    expect(sts.spec.template.metadata.annotations).toBeUndefined();
  });
});

describe('PgvectorPostgres, all props', () => {
  const config = postgresConfig({
    storage: '5Gi',
    resources: { cpu: '2', memory: '2Gi' },
    maxConnections: 50,
    backup: { storageClass: 'nfs', size: '20Gi' },
    metrics: { enabled: true },
  });
  const props = {
    config,
    serviceRoles: [{ role: 'svc', secretName: 'db-svc' }],
    initEnv: { APP_SCHEMA: 'books' },
    extraSettings: { work_mem: '8MB', 'cron.database_name': 'app' },
    initdbArgs: '--data-checksums',
  };
  const { db, objects, sts, pod, pg, settings, passwords } = build(props, { arm64: true, storageClass: 'ssd' });

  test('mounts a password file per role: admin, service roles, the exporter, then the backup', () => {
    expect(passwords.map((s: any) => [s.secret.name, s.secret.items[0].path])).toEqual([
      ['db-app-admin', 'app_admin'],
      ['db-svc', 'svc'],
      [roleSecretName(EXPORTER_ROLE), EXPORTER_ROLE],
      [roleSecretName(BACKUP_ROLE), BACKUP_ROLE],
    ]);
  });

  test('passes initEnv and initdbArgs to the container', () => {
    expect(envOf(pg)).toMatchObject({ APP_SCHEMA: 'books', POSTGRES_INITDB_ARGS: '--data-checksums' });
  });

  test('extra settings override the derived ones and add their own', () => {
    expect(settings).toEqual({
      ...postgresMemorySettings(2 * 2 ** 30, 50),
      ...postgresCpuSettings(2000),
      ...props.extraSettings,
      hba_file: HBA_FILE,
    });
    expect(pg.args.filter((a: string) => a.startsWith('work_mem='))).toEqual(['work_mem=8MB']);
  });

  test('claims the configured sizes: data on the cluster class, backups on their own', () => {
    expect(
      sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.storageClassName, t.spec.resources.requests.storage]),
    ).toEqual([
      ['data', 'ssd', '5Gi'],
      ['backups', 'nfs', '20Gi'],
    ]);
  });

  test('pins the database and its backup to arm64', () => {
    expect(nodeTerms(pod)).toEqual(ARM64_TERMS);
    expect(nodeTerms(one(objects, 'CronJob').spec.jobTemplate.spec.template.spec)).toEqual(ARM64_TERMS);
  });

  test('metrics: a restricted exporter sidecar on a named port the Service exposes, scrape annotations, and its scrapers', () => {
    const exporter = pod.containers.find((c: any) => c.name === 'metrics');
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }]);
    expect(one(objects, 'Service', 'db').spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
      ['postgres', 5432, 'postgres'],
      ['metrics', 9187, 'metrics'],
    ]);
    expect(one(objects, 'Service', 'db-headless').spec.ports.map((p: any) => p.name)).toEqual(['postgres']);
    // Its password from a file of its own role's Secret only (the postgres container's folder holds the admin's too).
    expect(envOf(exporter)).toMatchObject({ DATA_SOURCE_USER: EXPORTER_ROLE, DATA_SOURCE_PASS_FILE: '/run/secrets/db-role/password' });
    expect(exporter.env.filter((e: any) => e.valueFrom)).toEqual([]);
    expect(exporter.volumeMounts).toEqual([{ name: 'db-role', mountPath: '/run/secrets/db-role', readOnly: true }]);
    expect(pod.volumes.find((v: any) => v.name === 'db-role').secret).toEqual({
      secretName: roleSecretName(EXPORTER_ROLE),
      items: [{ key: 'password', path: 'password' }],
      defaultMode: 0o440,
    });
    expect(sts.spec.template.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9187' });
    expect(restrictedViolations(pod)).toEqual([]);
    const prometheus = { kind: 'pods', namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } };
    expect(db.scrapers).toEqual([{ from: prometheus, to: 'db', port: 9187 }]);
  });

  test('the /dev/shm size follows the memory limit, capped at 1Gi', () => {
    const shm = (memory: string) =>
      build({ config: postgresConfig({ resources: { cpu: '1', memory } }) }).pod.volumes.find((v: any) => v.name === 'shm');
    expect([shm('2Gi').emptyDir.sizeLimit, shm('8Gi').emptyDir.sizeLimit]).toEqual(['512Mi', '1024Mi']);
  });

  test('a digest image gives a valid version label (synth validates every label)', () => {
    const image = `pgvector/pgvector@sha256:${'ab'.repeat(32)}`;
    const { sts: digest } = build({ config: postgresConfig({ image }) });
    expect(digest.metadata.labels['app.kubernetes.io/version']).toMatch(/^sha256-[0-9a-f]+$/);
    expect(digest.metadata.labels['app.kubernetes.io/version'].length).toBeLessThanOrEqual(63);
  });

  // postgresSchema promises "requests equal limits (Guaranteed QoS)": every container of the pod, the exporter too.
  test('with metrics on, the pod stays Guaranteed QoS: requests equal limits in every container', () => {
    const { pod: withMetrics } = build({ config: postgresConfig({ metrics: { enabled: true } }) });
    expect(withMetrics.containers.map((c: any) => c.name)).toEqual(['postgres', 'metrics']);
    for (const c of withMetrics.containers) {
      expect([c.name, c.resources.requests.cpu, c.resources.requests.memory]).toEqual([
        c.name,
        c.resources.limits.cpu,
        c.resources.limits.memory,
      ]);
    }
  });

  test('two init scripts of the same name in the common and the system folder are refused, not silently replaced', () => {
    expect(() => build({ initScriptsDir: path.join(__dirname, '..', '..', 'sql', 'common') })).toThrow(
      'init script 90-metrics-role.sh is in two of',
    );
  });
});
