/**
 * The CloudNativePG engine as synthesized for config/ha.yaml (dist/ha) and for edge configs: the
 * Cluster promised by the README (instances on distinct arm64 nodes, Guaranteed QoS, settings from
 * the memory limit, storage, the plugin archiving to the ObjectStore), the roles and database,
 * the backup schedule, the apps' URLs to `-rw`, the sync waves, and the refusals.
 */
import { parseEnvironment } from '../app/environment';
import { pitrCluster, pitrTime } from '../app/pitr';
import { CNPG_IMAGE } from '../charts/constructs/cnpg-config';
import { SYNC_WAVE } from '../app/sync-waves';
import { postgresCpuSettings, postgresMemorySettings } from '../charts/constructs/postgres-settings';
import { ConfigError } from '../lib/errors';
import { resolveSecretData } from '../lib/secrets';
import { loadConfig, objectsFor, objectsOf, secretsOf } from './support/synth';

const SYSTEM_DB = { booksync: 'postgres', mnemolite: 'db' } as const;
/** The service roles each system gets a DatabaseRole for (MnemoLite's one role owns the database: initdb makes it). */
const SERVICE_ROLES = { booksync: ['booksync_auth', 'booksync_data', 'booksync_prediction'], mnemolite: [] } as const;
const wave = (o: any) => Number(o.metadata.annotations[SYNC_WAVE]);

describe.each(Object.entries(SYSTEM_DB))('ha/%s on CloudNativePG', (system, name) => {
  const objects: any[] = objectsOf('ha', system);
  const one = (kind: string) => objects.filter((o) => o.kind === kind);
  const [cluster] = one('Cluster');
  const pg = (loadConfig('ha') as any)[system].postgres;

  test('a Cluster and no StatefulSet, no pg_dump CronJob', () => {
    expect(one('Cluster')).toHaveLength(1);
    expect([...one('StatefulSet'), ...one('CronJob')]).toEqual([]);
  });

  test('3 instances required on distinct arm64 nodes, Guaranteed QoS, the operator PDB on', () => {
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.affinity).toEqual({
      enablePodAntiAffinity: true,
      podAntiAffinityType: 'required',
      topologyKey: 'kubernetes.io/hostname',
      nodeSelector: { 'kubernetes.io/arch': 'arm64' },
    });
    expect(cluster.spec.resources.requests).toEqual(cluster.spec.resources.limits);
    expect(cluster.spec.enablePDB).toBe(true);
    expect(cluster.spec.imageName).toMatch(/^ghcr\.io\/cloudnative-pg\/postgresql:17\.\d+-\d{12}-standard-trixie$/);
  });

  test('Postgres settings derived from the memory limit and CPUs, as for the StatefulSet', () => {
    const settings = { ...postgresMemorySettings(2 ** 30, pg.maxConnections), ...postgresCpuSettings(1000) };
    expect(cluster.spec.postgresql.parameters).toEqual(Object.fromEntries(Object.entries(settings).map(([k, v]) => [k, String(v)])));
    expect(cluster.spec.storage).toEqual({ size: pg.storage, storageClass: 'local-path' });
  });

  test('WAL and base backups go to its ObjectStore through the Barman Cloud plugin, with the object store Secret', () => {
    const [store] = one('ObjectStore');
    expect(cluster.spec.plugins).toEqual([
      {
        name: 'barman-cloud.cloudnative-pg.io',
        isWALArchiver: true,
        parameters: { barmanObjectName: store.metadata.name, serverName: name },
      },
    ]);
    expect(store.spec.configuration.destinationPath).toBe(
      `s3://${pg.cloudnativePg.objectStore.bucket}/${pg.cloudnativePg.objectStore.path}/`,
    );
    expect(store.spec.configuration.s3Credentials.accessKeyId.name).toBe(`${name}-object-store`);
    expect(objects.some((o) => o.kind === 'SealedSecret' && o.metadata.name === `${name}-object-store`)).toBe(true);
    const sidecar = store.spec.instanceSidecarConfiguration.resources;
    expect(sidecar.requests).toEqual(sidecar.limits); // the instances stay Guaranteed with the sidecar
    const [scheduled] = one('ScheduledBackup');
    expect(scheduled.spec).toMatchObject({
      cluster: { name },
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
    });
    expect(scheduled.spec.schedule.split(' ')).toHaveLength(6);
  });

  test('the roles: login, no superuser, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS, passwords from their Secrets', () => {
    const secrets = new Set(secretsOf(loadConfig('ha'), system).map((s) => s.name));
    expect(one('DatabaseRole').map((r) => r.spec.name)).toEqual(SERVICE_ROLES[system as keyof typeof SERVICE_ROLES]);
    for (const role of one('DatabaseRole')) {
      expect(role.spec).toMatchObject({
        cluster: { name },
        login: true,
        superuser: false,
        createdb: false,
        createrole: false,
        replication: false,
        bypassrls: false,
      });
      expect(secrets.has(role.spec.passwordSecret.name)).toBe(true);
    }
    const [database] = one('Database');
    expect(database.spec).toMatchObject({
      cluster: { name },
      owner: cluster.spec.bootstrap.initdb.owner,
      extensions: [{ name: 'vector', ensure: 'present' }],
    });
    expect(cluster.spec.bootstrap.initdb.dataChecksums).toBe(true);
  });

  test('the apps connect to <cluster>-rw, with a -ro URL beside it', () => {
    for (const spec of secretsOf(loadConfig('ha'), system).filter((s) => s.data['database-url'])) {
      const values = Object.fromEntries(Object.values(spec.data).flatMap((v: any) => (v.generated ? [[v.generated, 'pw']] : [])));
      const data = resolveSecretData(spec, values);
      expect(new URL(data['database-url']).host).toBe(`${name}-rw:5432`);
      expect(new URL(data['database-url-ro']).host).toBe(`${name}-ro:5432`);
    }
  });

  test('sync waves: the object store first, then the Cluster and what names it, then the apps', () => {
    expect(wave(one('ObjectStore')[0])).toBeLessThan(wave(cluster));
    for (const kind of ['DatabaseRole', 'Database', 'ScheduledBackup']) for (const o of one(kind)) expect(wave(o)).toBe(wave(cluster));
    for (const d of one('Deployment')) expect(wave(d)).toBeGreaterThan(wave(cluster));
  });
});

describe('the engine configured', () => {
  const cnpg = { engine: 'cloudnative-pg', cloudnativePg: { apiServer: { cidr: '10.0.0.0/24', port: 6443 } } };
  const store = { endpoint: 'https://s3.example:9000', bucket: 'b', network: { cidr: '10.0.0.9/32', port: 9000 } };
  const refused = (raw: object, pattern: RegExp) => {
    expect(() => parseEnvironment(raw, 'test')).toThrow(ConfigError);
    expect(() => parseEnvironment(raw, 'test')).toThrow(pattern);
  };

  test('without an object store or the API server, refused with the field named', () => {
    refused({ booksync: { postgres: cnpg } }, /booksync\.postgres\.cloudnativePg\.objectStore: missing/);
    refused(
      { booksync: { postgres: { engine: 'cloudnative-pg', cloudnativePg: { objectStore: store } } } },
      /cloudnativePg\.apiServer: missing/,
    );
  });

  test('with the statefulset off-node copy, or pg_cron on MnemoLite, refused', () => {
    const offsite = {
      enabled: true,
      target: { type: 's3', endpoint: 'https://s3.example', bucket: 'b' },
      network: { cidr: '10.0.0.9/32', port: 9000 },
    };
    refused(
      { booksync: { postgres: { ...cnpg, cloudnativePg: { ...cnpg.cloudnativePg, objectStore: store }, backup: { offsite } } } },
      /offsite\.enabled/,
    );
    refused(
      { mnemolite: { postgres: { ...cnpg, cloudnativePg: { ...cnpg.cloudnativePg, objectStore: store }, extensions: { pg_cron: true } } } },
      /not in CloudNativePG's standard image/,
    );
  });

  test.each(['postgres', 'streaming_replica', 'cnpg_pooler_pgbouncer'])(
    "MnemoLite's role %s, which the operator keeps, refused as the Cluster's owner; accepted on the StatefulSet",
    (user) => {
      const postgres = { ...cnpg, cloudnativePg: { ...cnpg.cloudnativePg, objectStore: store } };
      const database = { user, adminUser: user === 'postgres' ? 'admin' : 'postgres' };
      refused({ mnemolite: { postgres, database } }, /mnemolite\.database\.user: is a role CloudNativePG keeps/);
      expect(() => parseEnvironment({ mnemolite: { database } }, 'test')).not.toThrow();
    },
  );

  test.each(['0 3 * * *', '60 0 3 * * *', '0 0 25 * * *'])(
    'the backup schedule "%s" is refused (six fields, seconds first)',
    (schedule) => {
      refused(
        { booksync: { postgres: { ...cnpg, cloudnativePg: { ...cnpg.cloudnativePg, objectStore: store, backupSchedule: schedule } } } },
        /backupSchedule/,
      );
    },
  );

  test('by default: 3 instances and the pinned standard image, archiving under the Cluster name', () => {
    const objects: any[] = objectsFor(
      { booksync: { postgres: { ...cnpg, cloudnativePg: { ...cnpg.cloudnativePg, objectStore: store } } } },
      'booksync',
    );
    const cluster = objects.find((o) => o.kind === 'Cluster');
    expect([cluster.spec.instances, cluster.spec.imageName, cluster.spec.plugins[0].parameters.serverName]).toEqual([
      3,
      CNPG_IMAGE,
      'postgres',
    ]);
    expect(objects.find((o) => o.kind === 'ScheduledBackup').spec.schedule).toBe('0 0 3 * * *');
  });

  test('one instance: no PodDisruptionBudget, which would block every drain of its node', () => {
    const objects: any[] = objectsFor(
      { booksync: { postgres: { ...cnpg, cloudnativePg: { ...cnpg.cloudnativePg, objectStore: store, instances: 1 } } } },
      'booksync',
    );
    expect(objects.find((o) => o.kind === 'Cluster').spec.enablePDB).toBe(false);
  });
});

describe('npm run restore --pitr: the recovery Cluster', () => {
  const [cluster] = objectsOf('ha', 'booksync').filter((o) => o.kind === 'Cluster') as any[];

  // A day or hour that does not exist is refused, not rolled over into the next (Date.parse would recover to March 2nd).
  const unreal = ['2025-02-30T04:00:00Z', '2026-02-29T04:00:00Z', '2026-11-21T24:30:00Z', '2026-11-21T04:60:00Z'];
  test.each(['yesterday', '2026-11-21', '2026-11-21T04:00:00', '2999-01-01T00:00:00Z', '2026-13-01T00:00:00Z', ...unreal])(
    '%s is refused, naming the flag',
    (at) => expect(() => pitrTime(at)).toThrow(/^--pitr /),
  );

  test('a time with a zone is taken as UTC', () => {
    expect(pitrTime('2026-11-21 04:00:00+01:00')).toBe('2026-11-21T03:00:00Z');
    expect(pitrTime('2024-02-29T23:59:59Z')).toBe('2024-02-29T23:59:59Z'); // a real leap day
  });

  test('beside the running Cluster: recovered from its archive at the time, archiving under its own name, the rest the same', () => {
    const recovery: any = pitrCluster(cluster, '2026-11-21T03:00:00Z');
    expect(recovery.metadata.name).toBe('postgres-pitr-20261121t030000z');
    expect(recovery.spec.bootstrap).toEqual({ recovery: { source: 'origin', recoveryTarget: { targetTime: '2026-11-21T03:00:00Z' } } });
    expect(recovery.spec.externalClusters).toEqual([
      { name: 'origin', plugin: { name: 'barman-cloud.cloudnative-pg.io', parameters: cluster.spec.plugins[0].parameters } },
    ]);
    expect(recovery.spec.plugins[0].parameters.serverName).toBe(recovery.metadata.name);
    const same = (spec: any) => ({ ...spec, bootstrap: undefined, plugins: undefined, externalClusters: undefined });
    expect(same(recovery.spec)).toEqual(same(cluster.spec));
    expect(recovery.metadata.annotations['argocd.argoproj.io/sync-wave']).toBeUndefined();
  });
});
