/** The pgvector Postgres of every system: storage, init scripts, secrets, probes and settings derived from its limit. */
import * as fs from 'fs';
import * as path from 'path';
import { postgresCpuSettings, postgresMemorySettings, sharedMemoryBytes } from '../charts/constructs/postgres-settings';
import { cpuMillis, memoryBytes } from '../lib/quantity';
import { REPO, find, loadConfig, objectsFor, objectsOf, secretsOf, settingsOf, statefulSetCases } from './support/synth';
import { parseEnvironment } from '../app/environment';
import { SYSTEMS } from '../app/registry';

const MiB = 2 ** 20;
// The StatefulSet engine's environments (ha runs CloudNativePG: __tests__/cnpg.test.ts).
const cases = statefulSetCases();

describe.each(cases)('%s/%s Postgres', (env, system) => {
  const objects = objectsOf(env, system);
  const sts: any = objects.find((o) => o.kind === 'StatefulSet');
  const pod = sts.spec.template.spec;
  const pg = pod.containers[0];
  const envOf = (name: string) => pg.env.find((e: any) => e.name === name)?.value;
  const postgresConfig = (loadConfig(env) as any)[system].postgres;

  test('claims real storage through a complete claim template, kept when the StatefulSet goes', () => {
    const [claim] = sts.spec.volumeClaimTemplates;
    expect(claim.apiVersion).toBe('v1');
    expect(claim.kind).toBe('PersistentVolumeClaim');
    expect(claim.spec.resources.requests.storage).toBe(postgresConfig.storage);
    expect(claim.spec.storageClassName).toBe(loadConfig(env).cluster.storageClass);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    const dataMount = pg.volumeMounts.find((m: any) => m.name === claim.metadata.name).mountPath;
    expect(path.dirname(envOf('PGDATA'))).toBe(dataMount);
  });

  test('runs as the image postgres user 999 with requests equal to limits', () => {
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, fsGroupChangePolicy: 'OnRootMismatch' });
    const { cpu, memory } = pg.resources.requests;
    expect({ cpu, memory }).toEqual({ cpu: pg.resources.limits.cpu, memory: pg.resources.limits.memory });
  });

  test('mounts the init ConfigMap built from sql/common/ and systems/<system>/sql/ at /docker-entrypoint-initdb.d', () => {
    const volume = pod.volumes.find((v: any) => v.configMap);
    expect(pg.volumeMounts.find((m: any) => m.name === volume.name)).toMatchObject({
      mountPath: '/docker-entrypoint-initdb.d',
      readOnly: true,
    });
    const configMap = find(objects, 'ConfigMap', volume.configMap.name);
    const files = Object.fromEntries(
      [path.join(REPO, 'sql', 'common'), path.join(SYSTEMS.find((s) => s.name === system)!.dir, 'sql')].flatMap((folder) =>
        fs
          .readdirSync(folder, { withFileTypes: true })
          .filter((e) => e.isFile()) // sql/cnpg/ is the CloudNativePG engine's, not the init ConfigMap's
          .map((e) => [e.name, fs.readFileSync(path.join(folder, e.name), 'utf8')]),
      ),
    );
    expect(configMap.data).toEqual(files);
  });

  test('takes every password from a mounted Secret file, none from a literal', () => {
    expect(envOf('POSTGRES_PASSWORD')).toBeUndefined();
    const passwordFile: string = envOf('POSTGRES_PASSWORD_FILE');
    const projected = pod.volumes.find((v: any) => v.projected);
    const mount = pg.volumeMounts.find((m: any) => m.name === projected.name);
    expect(mount.readOnly).toBe(true);
    const paths = projected.projected.sources.map((s: any) => `${mount.mountPath}/${s.secret.items[0].path}`);
    expect(paths).toContain(passwordFile);
    expect(projected.projected.sources.every((s: any) => s.secret.items[0].key === 'password')).toBe(true);
  });

  test('has writable emptyDirs for the socket, /tmp and an in-memory /dev/shm with a size limit', () => {
    const mountOf = (p: string) => pg.volumeMounts.find((m: any) => m.mountPath === p);
    const volumeOf = (p: string) => pod.volumes.find((v: any) => v.name === mountOf(p).name);
    expect(volumeOf('/var/run/postgresql').emptyDir).toBeDefined();
    expect(volumeOf('/tmp').emptyDir).toBeDefined();
    const shm = volumeOf('/dev/shm').emptyDir;
    expect(shm.medium).toBe('Memory');
    expect(memoryBytes(shm.sizeLimit)).toBe(Math.floor(sharedMemoryBytes(memoryBytes(pg.resources.limits.memory)!) / MiB) * MiB);
  });

  test('is ready when pg_isready answers over TCP, alive when it answers on the socket; shuts down fast in its grace period', () => {
    for (const probe of [pg.startupProbe, pg.readinessProbe, pg.livenessProbe]) expect(probe.exec.command[0]).toBe('pg_isready');
    for (const probe of [pg.startupProbe, pg.readinessProbe]) expect(probe.exec.command).toContain('--host=127.0.0.1');
    expect(pg.livenessProbe.exec.command.some((a: string) => a.startsWith('--host'))).toBe(false);
    expect(pg.lifecycle.preStop.exec.command).toEqual(expect.arrayContaining(['pg_ctl', 'stop', '--mode=fast']));
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  test('derives its memory settings from the memory limit, its parallelism from the CPU limit', () => {
    const limit = memoryBytes(pg.resources.limits.memory)!;
    const settings = settingsOf(pg);
    expect(settings).toMatchObject(postgresMemorySettings(limit, postgresConfig.maxConnections));
    expect(settings).toMatchObject(postgresCpuSettings(cpuMillis(pg.resources.limits.cpu)!));
    expect(Number(settings.shared_buffers.replace('MB', '')) * MiB).toBe(limit / 4);
  });

  test('is reached through a Service of the same name on 5432, and governed by a headless one', () => {
    const service = find(objects, 'Service', sts.metadata.name);
    // 5432, and the exporter's 9187 when metrics are on (prod).
    expect(service.spec.ports[0]).toEqual(expect.objectContaining({ port: 5432, targetPort: 'postgres' }));
    expect(service.spec.ports.slice(1).map((p: any) => p.port)).toEqual(sts.spec.template.spec.containers.length > 1 ? [9187] : []);
    const governing = find(objects, 'Service', sts.spec.serviceName);
    expect(governing.spec.clusterIP).toBe('None');
    expect(governing.spec.selector).toEqual(service.spec.selector);
  });
});

describe('Postgres settings', () => {
  test.each([
    ['500m', { max_worker_processes: '8', max_parallel_workers: '0', max_parallel_workers_per_gather: '0' }],
    ['1', { max_worker_processes: '8', max_parallel_workers: '2', max_parallel_workers_per_gather: '2' }],
    ['2', { max_worker_processes: '8', max_parallel_workers: '4', max_parallel_workers_per_gather: '4' }],
    ['4', { max_worker_processes: '16', max_parallel_workers: '8', max_parallel_workers_per_gather: '4' }],
  ])("a %s CPU limit gives the seed's parallelism, scaled", (cpu, expected) => {
    expect(postgresCpuSettings(cpuMillis(cpu)!)).toEqual(expected);
  });

  test.each([
    ['512Mi', 50, { shared_buffers: '128MB', effective_cache_size: '384MB', maintenance_work_mem: '32MB', work_mem: '2MB' }],
    ['1Gi', 50, { shared_buffers: '256MB', effective_cache_size: '768MB', maintenance_work_mem: '64MB', work_mem: '5MB' }],
    ['4Gi', 100, { shared_buffers: '1024MB', effective_cache_size: '3072MB', maintenance_work_mem: '256MB', work_mem: '10MB' }],
    ['64Gi', 100, { shared_buffers: '16384MB', effective_cache_size: '49152MB', maintenance_work_mem: '1024MB', work_mem: '64MB' }],
  ])('a %s limit with %d connections', (limit, connections, expected) => {
    expect(postgresMemorySettings(memoryBytes(limit)!, connections)).toEqual({ max_connections: String(connections), ...expected });
  });

  test('follow a configured limit, never a fixed value', () => {
    const objects = objectsFor({ booksync: { postgres: { resources: { cpu: '2', memory: '2Gi' } } } }, 'booksync');
    const pg = (objects.find((o) => o.kind === 'StatefulSet') as any).spec.template.spec.containers[0];
    expect(settingsOf(pg).shared_buffers).toBe('512MB');
    expect(pg.resources.limits).toMatchObject({ cpu: '2', memory: '2Gi' });
  });
});

describe('metrics (off by default)', () => {
  const withMetrics = (system: string) => objectsFor({ [system]: { postgres: { metrics: { enabled: true } } } }, system);
  const podOf = (objects: any[]) => objects.find((o) => o.kind === 'StatefulSet').spec.template.spec;

  test.each(SYSTEMS.map((s) => s.name))('%s: no exporter, no exporter Secret, no port 9187 unless asked', (system) => {
    const objects = objectsFor({}, system);
    expect(podOf(objects).containers.map((c: any) => c.name)).toEqual(['postgres']);
    expect(JSON.stringify(objects)).not.toContain('9187');
    expect(secretsOf(parseEnvironment({}, 'test'), system).map((s) => s.name)).not.toContain('db-postgres-exporter');
  });

  test.each(SYSTEMS.map((s) => s.name))(
    '%s: a postgres_exporter sidecar with its own pg_monitor role Secret, scraped only by Prometheus',
    (system) => {
      const objects = withMetrics(system);
      const pod = podOf(objects);
      const exporter = pod.containers.find((c: any) => c.name === 'metrics');
      expect(exporter.image).toMatch(/^quay\.io\/prometheuscommunity\/postgres-exporter:v[0-9.]+$/);
      // The password from a file of the exporter's Secret alone, never from the environment.
      const file = exporter.env.find((e: any) => e.name === 'DATA_SOURCE_PASS_FILE').value;
      const mount = exporter.volumeMounts.find((m: any) => file.startsWith(`${m.mountPath}/`));
      expect(pod.volumes.find((v: any) => v.name === mount.name).secret.secretName).toBe('db-postgres-exporter');
      expect(exporter.env.filter((e: any) => e.valueFrom)).toEqual([]);
      const projected = pod.volumes.find((v: any) => v.projected).projected.sources.map((s: any) => s.secret.items[0].path);
      expect(projected).toContain('postgres_exporter');
      const config = parseEnvironment({ [system]: { postgres: { metrics: { enabled: true } } } }, 'test');
      const secret = secretsOf(config, system).find((s) => s.name === 'db-postgres-exporter')!;
      expect(secret.type).toBe('kubernetes.io/basic-auth');
      const policy = objects.find(
        (o: any) => o.kind === 'NetworkPolicy' && o.spec.ingress?.some((r: any) => r.ports[0].port === 9187),
      ) as any;
      const rule = policy.spec.ingress.find((r: any) => r.ports[0].port === 9187);
      expect(rule.from).toEqual([
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ]);
    },
  );
});
