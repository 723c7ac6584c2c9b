/** PostgresBackup, through PgvectorPostgres (on/off) and alone; its script's retention, run with sh and a fake pg_dump. */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kubeletValue } from '../../app/offsite-fetch';
import { PgvectorPostgres } from '../../charts/constructs/pgvector-postgres';
import { BACKUP_SCRIPT, PostgresBackup } from '../../charts/constructs/postgres-backup';
import { backupSchema } from '../../charts/constructs/postgres-config';
import {
  ARM64_TERMS,
  NO_INIT_SCRIPTS,
  danglingMounts,
  envOf,
  nodeTerms,
  one,
  postgresConfig,
  restrictedViolations,
  synth,
  testChart,
} from '../support/construct-chart';

const admin = { role: 'app_admin', secretName: 'db-app-admin' };

function withDatabase(backup: object) {
  const chart = testChart();
  const config = postgresConfig({ backup });
  const db = new PgvectorPostgres(chart, 'db', { name: 'pg', config, database: 'app', admin, initScriptsDir: NO_INIT_SCRIPTS });
  return { db, objects: synth(chart) };
}

describe('PostgresBackup through PgvectorPostgres', () => {
  test('on (the default): a CronJob named after the database, writing to the claim pod 0 gets from the backups template', () => {
    const { db, objects } = withDatabase({});
    const cron = one(objects, 'CronJob');
    const sts = one(objects, 'StatefulSet');
    expect([db.backup?.name, cron.metadata.name, cron.metadata.labels['app.kubernetes.io/name']]).toEqual([
      'pg-backup',
      'pg-backup',
      'pg-backup',
    ]);
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const claimName = pod.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
    expect(claimName).toBe(`${sts.spec.volumeClaimTemplates[1].metadata.name}-${sts.metadata.name}-0`);
    const c = pod.containers[0];
    expect(envOf(c)).toMatchObject({ PGHOST: 'pg', PGPORT: '5432', PGUSER: 'postgres_backup', PGDATABASE: 'app', KEEP: '7' });
    expect(c.image).toBe(sts.spec.template.spec.containers[0].image);
  });

  test('off: no CronJob, no backup property, the backups claim template stays', () => {
    const { db, objects } = withDatabase({ enabled: false });
    expect(db.backup).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'CronJob')).toEqual([]);
    expect(one(objects, 'StatefulSet').spec.volumeClaimTemplates.map((t: any) => t.metadata.name)).toEqual(['data', 'backups']);
  });
});

describe('PostgresBackup alone', () => {
  const db = { host: 'store', port: 6543, image: 'postgres:17.2', backupClaim: 'dumps' };
  const build = (config: object, cluster = {}) => {
    const chart = testChart(cluster);
    const backup = new PostgresBackup(chart, 'b', { db, database: 'books', role: admin, config: backupSchema.parse(config) });
    const cron = one(synth(chart), 'CronJob');
    return { backup, cron, pod: cron.spec.jobTemplate.spec.template.spec };
  };

  test('minimal config: default schedule, no time zone, one run at a time, deadlines, short histories', () => {
    const { backup, cron } = build({});
    expect(backup.name).toBe('store-backup');
    expect(cron.spec).toMatchObject({ schedule: '30 3 * * *', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600 });
    expect(cron.spec.timeZone).toBeUndefined();
    expect([cron.spec.successfulJobsHistoryLimit, cron.spec.failedJobsHistoryLimit]).toEqual([3, 3]);
    expect(cron.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
  });

  test('all config: schedule, time zone and retention; host, port, image, claim and admin come from the props', () => {
    const { cron, pod } = build({ schedule: '0 2 * * MON-FRI', timeZone: 'Europe/Paris', keep: 3 }, { arm64: true });
    expect([cron.spec.schedule, cron.spec.timeZone]).toEqual(['0 2 * * MON-FRI', 'Europe/Paris']);
    const c = pod.containers[0];
    expect(envOf(c)).toEqual({
      PGHOST: 'store',
      PGPORT: '6543',
      PGUSER: 'app_admin',
      PGDATABASE: 'books',
      BACKUP_DIR: '/backups',
      KEEP: '3',
      PGPASSWORD_FILE: '/run/secrets/db-role/password',
      PGPASSFILE: '/tmp/pgpass',
    });
    expect(pod.volumes).toContainEqual({
      name: 'db-role',
      secret: { secretName: 'db-app-admin', items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 },
    });
    expect([c.image, c.command]).toEqual(['postgres:17.2', ['sh', '-c', BACKUP_SCRIPT]]);
    expect(pod.volumes).toContainEqual({ name: 'backups', persistentVolumeClaim: { claimName: 'dumps' } });
    expect(nodeTerms(pod)).toEqual(ARM64_TERMS);
    expect(cron.metadata.labels).toMatchObject({ 'app.kubernetes.io/component': 'backup', 'app.kubernetes.io/version': '17.2' });
  });

  test('is restricted as uid 999, never restarted in place, with its mounts backed by volumes and a bounded /tmp', () => {
    const { cron, pod } = build({});
    expect(restrictedViolations(pod)).toEqual([]);
    expect([pod.restartPolicy, pod.securityContext.runAsUser, pod.automountServiceAccountToken]).toEqual(['Never', 999, false]);
    expect(danglingMounts(cron.spec.jobTemplate.spec.template)).toEqual([]);
    expect(pod.containers[0].resources.limits['ephemeral-storage']).toBe('320Mi');
    expect(nodeTerms(pod)).toBeUndefined();
  });
});

describe('BACKUP_SCRIPT', () => {
  /**
   * Runs the script in a folder with `old` dumps, with a pg_dump that writes "dump" or fails and
   * records the password file libpq would read (its mode and text).
   */
  function run(old: string[], keep: number, pgDumpFails = false, password = 'secret') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(dir, 'dumps'));
    for (const f of old) fs.writeFileSync(path.join(dir, 'dumps', f), 'old');
    fs.writeFileSync(path.join(dir, 'password'), password, { mode: 0o440 });
    const file = 'for a in "$@"; do case "$a" in --file=*) printf dump > "${a#--file=}";; esac; done';
    const record = `stat -c %a "$PGPASSFILE" > "${dir}/pgpass-mode"; cat "$PGPASSFILE" > "${dir}/pgpass-text"`;
    fs.writeFileSync(path.join(bin, 'pg_dump'), `#!/bin/sh\n${record}\n${file}\n${pgDumpFails ? 'exit 1' : 'exit 0'}\n`, { mode: 0o755 });
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      BACKUP_DIR: path.join(dir, 'dumps'),
      PGDATABASE: 'app',
      KEEP: String(keep),
      PGPASSWORD_FILE: path.join(dir, 'password'),
      PGPASSFILE: path.join(dir, 'pgpass'),
    };
    let failed = false;
    try {
      execFileSync('sh', ['-c', BACKUP_SCRIPT], { env, stdio: 'pipe' });
    } catch {
      failed = true;
    }
    const files = fs.readdirSync(path.join(dir, 'dumps')).sort();
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
    const pgpass = { mode: read('pgpass-mode')?.trim(), text: read('pgpass-text') };
    fs.rmSync(dir, { recursive: true });
    return { failed, files, pgpass };
  }

  test.each([
    ['plain', 'secret', '*:*:*:*:secret\n'],
    ['with the separators of the format', String.raw`a:b\c:`, String.raw`*:*:*:*:a\:b\\c\:` + '\n'],
    ['hostile to the shell', `$(id)'"\`x\` -n %s`, `*:*:*:*:$(id)'"\`x\` -n %s\n`],
  ])('libpq reads the password from a file only its owner can read: %s', (_, password, expected) => {
    const { failed, pgpass } = run([], 1, false, password);
    expect([failed, pgpass]).toEqual([false, { mode: '600', text: expected }]);
  });
  const old = ['app-20240101T000000Z.dump', 'app-20240102T000000Z.dump', 'app-20240103T000000Z.dump'];

  test.each([1, 2, 5])('keeps the newest %i dumps, the new one included', (keep) => {
    const { failed, files } = run(old, keep);
    expect(failed).toBe(false);
    const fresh = files.filter((f) => !old.includes(f));
    expect(fresh).toEqual([expect.stringMatching(/^app-\d{8}T\d{6}Z\.dump$/)]);
    expect(files).toEqual([...old, ...fresh].sort().slice(-Math.min(keep, old.length + 1)));
  });

  test('a failed pg_dump leaves no partial file and removes no old dump', () => {
    expect(run(old, 1, true)).toMatchObject({ failed: true, files: old });
  });
});

describe('PostgresBackup with the off-node copy', () => {
  const db = { host: 'store', port: 6543, image: 'postgres:17.2', backupClaim: 'dumps' };
  const offsite = (target: object) => ({ offsite: { enabled: true, target, network: { cidr: '192.168.1.10/32', port: 22 } } });

  test('SFTP: the host key pinned, "$" escaped for the kubelet, the password from the Secret, the dump first', () => {
    const chart = testChart();
    const target = { type: 'sftp', host: 'nas.home.arpa', user: 'pibackup', knownHosts: '[$(HOME)]:22 ssh-ed25519 AAAAC3Nz' };
    new PostgresBackup(chart, 'b', { db, database: 'books', role: admin, config: backupSchema.parse(offsite(target)) });
    const cron = one(synth(chart), 'CronJob', 'store-backup');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['pg-dump']);
    const env = envOf(pod.containers[0]);
    expect(env.KNOWN_HOSTS).toBe('[$$(HOME)]:22 ssh-ed25519 AAAAC3Nz');
    // What the container (and npm run restore --offsite, reading it back) sees: the line as configured.
    expect(kubeletValue(env.KNOWN_HOSTS)).toBe(target.knownHosts);
    expect(env.TARGET_PASSWORD).toEqual({ secretKeyRef: { name: 'store-offsite', key: 'target-password', optional: false } });
    expect(env.RCLONE_CONFIG_OFFSITE_REMOTE).toBe('target:postgres/books');
  });

  test('without a target or a network it is refused, naming the field', () => {
    expect(() => backupSchema.parse({ offsite: { enabled: true } })).toThrow('the off-node copy needs its target');
  });
});
