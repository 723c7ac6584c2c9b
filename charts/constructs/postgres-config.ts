/** The config schema of a pgvector Postgres (PgvectorPostgres): image, storage, sizing, backups, metrics. */
import { z } from 'zod';
import { show } from '../../lib/errors';
import { cronScheduleError, isTimeZone } from '../../lib/k8s-validation';
import { memoryBytes } from '../../lib/quantity';
import { cloudnativePgSchema } from './cnpg-config';
import { offsiteSchema } from './offsite-config';
import { Compute, compute, dnsLabel, dnsSubdomain, memory, pinnedImage, podSelector } from '../../lib/schema';

/** pgvector 0.8.1 on PostgreSQL 17 (Debian bookworm), for both systems: one image to pull on the Pis. */
export const PGVECTOR_IMAGE = 'pgvector/pgvector:0.8.1-pg17-bookworm';

/**
 * Nightly pg_dump of the database into a volume of its own: its storage class and size are
 * separate from the database's, so the dumps can live on another disk or an NFS class.
 */
export const backupSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Cron schedule, in the cluster's time zone unless timeZone is set. */
    schedule: z
      .string()
      .superRefine((schedule, ctx) => {
        const error = cronScheduleError(schedule);
        if (error)
          ctx.addIssue({
            code: 'custom',
            message: `${error}: write a cron schedule such as "30 3 * * *" (03:30 every day), "0 2 * * MON-FRI" or "@daily"`,
          });
      })
      .default('30 3 * * *'),
    timeZone: z
      .string()
      .refine(isTimeZone, { error: (i) => `${show(i.input)} is not an IANA time zone: write one such as "Europe/Paris" or "UTC"` })
      .optional(),
    /** How many dumps to keep; older ones are deleted after each successful dump. */
    keep: z.int().min(1).max(365).default(7),
    /** The dumps' storage class; the cluster's default class when unset. */
    storageClass: dnsSubdomain.optional(),
    size: memory.refine((q) => memoryBytes(q)! >= 2 ** 30, 'must be at least 1Gi').default('10Gi'),
    /** A copy of each dump off the node, encrypted (rclone crypt), with retention on the target. */
    offsite: offsiteSchema.prefault({}),
  })
  .superRefine((backup, ctx) => {
    const { offsite } = backup;
    if (!offsite.enabled) return;
    if (!backup.enabled)
      ctx.addIssue({
        code: 'custom',
        path: ['offsite', 'enabled'],
        message: 'needs backups on (backup.enabled): the copies are of the nightly dumps',
      });
    for (const field of ['target', 'network'] as const) {
      if (!offsite[field]) {
        const example =
          field === 'target'
            ? '{ type: s3, endpoint: …, bucket: … } or { type: sftp, host: …, user: …, knownHosts: … }'
            : '{ cidr: 192.168.1.10/32, port: 9000 }';
        ctx.addIssue({
          code: 'custom',
          path: ['offsite', field],
          message: `missing: the off-node copy needs its ${field}: add ${example}, or set offsite.enabled: false`,
        });
      }
    }
  });
export type BackupConfig = z.output<typeof backupSchema>;

/** An optional postgres_exporter sidecar, for users who run Prometheus. */
export const metricsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  image: pinnedImage.default('quay.io/prometheuscommunity/postgres-exporter:v0.17.1'),
  /** The Prometheus pods allowed to scrape it (port 9187). */
  scrapeFrom: z
    .strictObject({ namespace: dnsLabel.default('monitoring'), podLabels: podSelector.default({ 'app.kubernetes.io/name': 'prometheus' }) })
    .prefault({}),
});
export type MetricsConfig = z.output<typeof metricsSchema>;

/** The pgvector Postgres of one system; requests equal limits (Guaranteed QoS). */
export function postgresSchema(defaults: { image: string; storage: string; resources: Compute; maxConnections: number }) {
  return z
    .strictObject({
      image: pinnedImage.default(defaults.image),
      storage: memory.refine((q) => memoryBytes(q)! >= 2 ** 30, 'must be at least 1Gi: the database volume').default(defaults.storage),
      resources: compute
        .refine((r) => memoryBytes(r.memory)! >= 256 * 2 ** 20, {
          path: ['memory'],
          message: 'must be at least 256Mi: Postgres settings (shared_buffers, work_mem) are derived from it and would not fit',
        })
        .prefault(defaults.resources),
      maxConnections: z.int().min(10).max(1000).default(defaults.maxConnections),
      backup: backupSchema.prefault({}),
      metrics: metricsSchema.prefault({}),
      /**
       * statefulset: one Postgres pod, nightly dumps (backup). cloudnative-pg: a CloudNativePG
       * Cluster of `cloudnativePg.instances` on distinct nodes, WAL archiving and base backups to an
       * object store, point-in-time recovery (the operator must be installed: README).
       */
      engine: z.enum(['statefulset', 'cloudnative-pg']).default('statefulset'),
      cloudnativePg: cloudnativePgSchema.prefault({}),
    })
    .superRefine((pg, ctx) => {
      if (pg.engine === 'cloudnative-pg') {
        for (const field of ['apiServer', 'objectStore'] as const) {
          if (!pg.cloudnativePg[field])
            ctx.addIssue({
              code: 'custom',
              path: ['cloudnativePg', field],
              message:
                field === 'apiServer'
                  ? 'missing: the instances talk to the Kubernetes API server: ' +
                    'give its addresses, such as { cidr: 192.168.1.0/24, port: 6443 }'
                  : 'missing: the engine archives to an object store: give { endpoint: …, bucket: …, network: { cidr: …, port: … } }',
            });
        }
        if (pg.backup.offsite.enabled)
          ctx.addIssue({
            code: 'custom',
            path: ['backup', 'offsite', 'enabled'],
            message: "the off-node copies are of the statefulset engine's dumps: with cloudnative-pg, the object store is off the node",
          });
      }
      // Every connection may take at least 1MB of work_mem: they must fit beside shared_buffers.
      const limit = memoryBytes(pg.resources.memory)!;
      if (pg.maxConnections * 2 ** 20 > limit / 2) {
        const most = Math.floor(limit / 2 / 2 ** 20);
        ctx.addIssue({
          code: 'custom',
          path: ['maxConnections'],
          message:
            `${pg.maxConnections} connections do not fit in ${pg.resources.memory} (1MB of work_mem each, half the memory at most): ` +
            `lower it to ${most} or raise resources.memory`,
        });
      }
    });
}
export type PostgresConfig = z.output<ReturnType<typeof postgresSchema>>;

/** Refuses an admin role that is also a role the system creates for a service or the exporter. */
export function distinctAdmin(taken: string[]) {
  return (admin: string, ctx: z.RefinementCtx) => {
    if (taken.includes(admin)) {
      ctx.addIssue({
        code: 'custom',
        message:
          `"${admin}" is also the role of a service or of the metrics exporter, ` +
          'which would then hold superuser rights: choose another name',
      });
    }
  };
}
