/** The backup CronJob of every system's Postgres: schedule and retention from config, its own volume, one run at a time, restricted. */
import { BACKUP_SCRIPT } from '../charts/constructs/postgres-backup';
import { envOf, loadConfig, objectsFor, objectsOf, statefulSetCases } from './support/synth';
import { BACKUP_DIR } from '../charts/constructs/postgres-common';
import { BACKUP_ROLE } from '../lib/secrets';

// The StatefulSet engine's environments (ha runs CloudNativePG: __tests__/cnpg.test.ts).
const cases = statefulSetCases();

describe.each(cases)('%s/%s backup', (env, system) => {
  const objects: any[] = objectsOf(env, system);
  const sts = objects.find((o) => o.kind === 'StatefulSet');
  const cron = objects.find((o) => o.kind === 'CronJob' && o.metadata.name.endsWith('-backup'));
  const pg = sts.spec.template.spec.containers[0];
  const backup = (loadConfig(env) as any)[system].postgres.backup;
  const job = cron.spec.jobTemplate.spec;
  const pod = job.template.spec;
  // The dump: the only container, or the init container before the off-node copy.
  const container = [...(pod.initContainers ?? []), ...pod.containers].find((c: any) => c.name === 'pg-dump');

  test('runs on the configured schedule, one at a time, with a deadline and short histories', () => {
    expect(cron.metadata.name).toBe(`${sts.metadata.name}-backup`);
    expect(cron.spec.schedule).toBe(backup.schedule);
    expect(cron.spec.timeZone).toBe(backup.timeZone);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(cron.spec.startingDeadlineSeconds).toBeGreaterThan(0);
    expect(job.activeDeadlineSeconds).toBeGreaterThan(0);
    expect(cron.spec.successfulJobsHistoryLimit).toBeLessThanOrEqual(5);
    expect(cron.spec.failedJobsHistoryLimit).toBeLessThanOrEqual(5);
  });

  test('dumps in custom format as the read-only backup role (never the admin), from the Service, keeping the configured number', () => {
    expect(container.command).toEqual(['sh', '-c', BACKUP_SCRIPT]);
    expect(BACKUP_SCRIPT).toContain('pg_dump --format=custom');
    const e = envOf(container);
    const db = envOf(pg);
    expect(e).toMatchObject({
      PGHOST: sts.metadata.name,
      PGPORT: '5432',
      PGUSER: BACKUP_ROLE,
      PGDATABASE: db.POSTGRES_DB,
      KEEP: String(backup.keep),
      BACKUP_DIR,
    });
    expect(BACKUP_ROLE).not.toBe(db.POSTGRES_USER);
    // Its password is the one the database's init gives the role: the same Secret, mounted as a file
    // (libpq's PGPASSFILE is written from it), never in the environment.
    const roleSecret = sts.spec.template.spec.volumes
      .find((v: any) => v.projected)
      .projected.sources.find((s: any) => s.secret.items[0].path === BACKUP_ROLE).secret.name;
    const mount = container.volumeMounts.find((m: any) => e.PGPASSWORD_FILE.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    expect(volume.secret).toEqual({ secretName: roleSecret, items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 });
    expect(e.PGPASSWORD).toBeUndefined();
    expect(container.env.filter((v: any) => v.valueFrom)).toEqual([]);
    expect(container.image).toBe(pg.image);
  });

  test("writes to the claim of the StatefulSet's backups template, with its own storage class and size", () => {
    const volume = pod.volumes.find((v: any) => v.persistentVolumeClaim);
    expect(volume.persistentVolumeClaim.claimName).toBe(`backups-${sts.metadata.name}-0`);
    expect(container.volumeMounts).toContainEqual({ name: volume.name, mountPath: BACKUP_DIR });
    const template = sts.spec.volumeClaimTemplates.find((t: any) => t.metadata.name === 'backups');
    expect(template.spec.storageClassName).toBe(backup.storageClass ?? loadConfig(env).cluster.storageClass);
    expect(template.spec.resources.requests.storage).toBe(backup.size);
    expect(pg.volumeMounts).toContainEqual({ name: 'backups', mountPath: BACKUP_DIR, readOnly: true });
  });

  test('runs restricted as the postgres user, never retried forever', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.restartPolicy).toBe('Never');
    expect(job.backoffLimit).toBeLessThanOrEqual(3);
  });
});

describe('backup configured', () => {
  test('schedule, time zone, retention, storage class and size come from config', () => {
    const objects: any[] = objectsFor(
      {
        booksync: {
          postgres: { backup: { schedule: '0 2 * * 0', timeZone: 'Europe/Paris', keep: 4, storageClass: 'nfs-client', size: '50Gi' } },
        },
      },
      'booksync',
    );
    const cron = objects.find((o) => o.kind === 'CronJob');
    expect(cron.spec.schedule).toBe('0 2 * * 0');
    expect(cron.spec.timeZone).toBe('Europe/Paris');
    expect(envOf(cron.spec.jobTemplate.spec.template.spec.containers[0]).KEEP).toBe('4');
    const template = objects
      .find((o) => o.kind === 'StatefulSet')
      .spec.volumeClaimTemplates.find((t: any) => t.metadata.name === 'backups');
    expect(template.spec).toMatchObject({ storageClassName: 'nfs-client', resources: { requests: { storage: '50Gi' } } });
  });

  test('switched off: no CronJob and no policy for it; the volume stays (claim templates cannot change in place)', () => {
    const objects: any[] = objectsFor({ mnemolite: { postgres: { backup: { enabled: false } } } }, 'mnemolite');
    expect(objects.some((o) => o.kind === 'CronJob')).toBe(false);
    expect(JSON.stringify(objects.filter((o) => o.kind === 'NetworkPolicy'))).not.toContain('db-backup');
    expect(objects.find((o) => o.kind === 'StatefulSet').spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual([
      'data',
      'backups',
    ]);
  });
});
