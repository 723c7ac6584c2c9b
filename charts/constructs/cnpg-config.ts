/**
 * The config of the CloudNativePG engine (postgres.engine: cloudnative-pg): how many instances,
 * the image, where the operator runs, how the instances reach the Kubernetes API server, and the
 * S3-compatible object store that takes the WAL and the base backups (Barman Cloud plugin).
 */
import { z } from 'zod';
import { cronScheduleError } from '../../lib/k8s-validation';
import { dnsLabel, dnsSubdomain, pinnedImage, podSelector } from '../../lib/schema';
import { networkSchema, remotePath, s3Endpoint } from './offsite-config';

/**
 * CloudNativePG's "standard" PostgreSQL 17 image (Debian trixie, amd64 and arm64), which carries
 * pgvector; the timestamped tag never moves (cloudnative-pg/postgres-containers).
 */
export const CNPG_IMAGE = 'ghcr.io/cloudnative-pg/postgresql:17.11-202608170816-standard-trixie';

/** CloudNativePG's schedules have six fields, seconds first: "0 0 3 * * *" is 03:00:00 every day. */
const sixFieldSchedule = z.string().superRefine((s, ctx) => {
  const fields = s.trim().split(/\s+/);
  const seconds = /^([0-9]|[1-5][0-9])$/.test(fields[0] ?? '');
  const error =
    fields.length !== 6
      ? 'must have six fields'
      : !seconds
        ? 'must start with the second (0-59)'
        : cronScheduleError(fields.slice(1).join(' '));
  if (error)
    ctx.addIssue({ code: 'custom', message: `${error}: write six fields, seconds first, such as "0 0 3 * * *" (03:00 every day)` });
});

/** Roles the operator keeps for itself: a Cluster whose owner is one of them fails to bootstrap, or shares replication's. */
export function isCnpgReservedRole(role: string): boolean {
  return role === 'postgres' || role === 'streaming_replica' || role.startsWith('cnpg_');
}

export const cloudnativePgSchema = z.strictObject({
  /** Instances on distinct nodes (required anti-affinity): 3 survive one dead Pi with a replica to spare. */
  instances: z.int().min(1).max(9).default(3),
  image: pinnedImage.default(CNPG_IMAGE),
  /** Where the operator runs (the 1.30 release manifest's namespace and pod label): it reaches the instances. */
  operator: z
    .strictObject({
      namespace: dnsLabel.default('cnpg-system'),
      podLabels: podSelector.default({ 'app.kubernetes.io/name': 'cloudnative-pg' }),
    })
    .prefault({}),
  /** The Kubernetes API server as the instances reach it: on k3s, the server nodes' addresses on 6443. */
  apiServer: networkSchema.optional(),
  /** The S3-compatible store of the WAL and base backups. */
  objectStore: z
    .strictObject({
      endpoint: s3Endpoint,
      bucket: dnsSubdomain,
      /** The folder in the bucket; each system's cluster writes into <path>/<cluster name>. */
      path: remotePath.default('cnpg'),
      /** The store's addresses and port: the only place besides the API server the instances may reach. */
      network: networkSchema,
      /** How long base backups and WAL are kept (the plugin's retentionPolicy). */
      retention: z
        .string()
        .regex(/^[1-9][0-9]*[dwm]$/, 'must be a number and d, w or m, such as "30d"')
        .default('30d'),
    })
    .optional(),
  /** When the base backup runs (the WAL is archived continuously). */
  backupSchedule: sixFieldSchedule.default('0 0 3 * * *'),
});
export type CloudnativePgConfig = z.output<typeof cloudnativePgSchema>;
