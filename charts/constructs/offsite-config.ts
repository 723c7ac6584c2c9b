/**
 * The config schema of the off-node copy of each night's dump (PostgresBackup with `offsite`):
 * rclone, encrypting on the client with its crypt remote, to an S3-compatible bucket or SFTP.
 */
import { z } from 'zod';
import { cronScheduleError } from '../../lib/k8s-validation';
import { dnsSubdomain, hostname, pinnedImage } from '../../lib/schema';

/** rclone's official multi-arch image, the release the verify suite runs (lib/tools.ts pins the same). */
export const RCLONE_IMAGE = 'rclone/rclone:1.76.0';

const IPV4_CIDR = /^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}\/([0-9]|[12][0-9]|3[0-2])$/;

/** A folder on the target, relative: "pi-backups/home". */
export const remotePath = z
  .string()
  .regex(
    /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/,
    'must be a relative folder such as "pi-backups/home" (letters, digits, ".", "_", "-" and "/")',
  )
  .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), 'must not hold "." or ".." parts');

const schedule = z.string().superRefine((s, ctx) => {
  const error = cronScheduleError(s);
  if (error) ctx.addIssue({ code: 'custom', message: `${error}: write a cron schedule such as "0 5 * * 0" (Sundays at 05:00)` });
});

/** An S3 API's URL, without credentials or path: "https://s3.nas.home.arpa:9000". */
export const s3Endpoint = z
  .string()
  .regex(/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/, 'must be the S3 endpoint URL, such as "https://s3.nas.home.arpa:9000"');

/** Addresses a pod may reach, and the port: a NAS, a cloud bucket, the API server. */
export const networkSchema = z.strictObject({
  cidr: z.string().regex(IPV4_CIDR, 'must be an IPv4 CIDR such as "192.168.1.10/32" (the NAS) or "0.0.0.0/0" (a cloud bucket)'),
  port: z.int().min(1).max(65535),
});

/** Where the copies go: a bucket of an S3-compatible server, or a folder over SFTP. */
const target = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('s3'),
    /** The S3 API's URL: a MinIO or Garage on the NAS, B2's or R2's endpoint. */
    endpoint: s3Endpoint,
    /** rclone's S3 provider name: Minio, Other (Garage), Cloudflare, B2 is "Other" through its S3 API. */
    provider: z.enum(['Minio', 'Other', 'Cloudflare', 'AWS', 'Ceph', 'Wasabi']).default('Minio'),
    region: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/, 'must be a region name such as "us-east-1"')
      .default('us-east-1'),
    bucket: dnsSubdomain,
  }),
  z.strictObject({
    type: z.literal('sftp'),
    host: hostname,
    port: z.int().min(1).max(65535).default(22),
    user: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a user name such as "backup"'),
    /**
     * The server's host key, one known_hosts line ("nas.home.arpa ssh-ed25519 AAAA…"), so that
     * a machine pretending to be the NAS is refused (ssh-keyscan nas.home.arpa prints it).
     */
    knownHosts: z
      .string()
      .regex(
        /^[^\s]+ (ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ssh-rsa) [A-Za-z0-9+/=]+$/,
        'must be one known_hosts line: "<host> <key type> <base64 key>" (ssh-keyscan <host> prints it)',
      ),
  }),
]);

/** The off-node copies: the target, the path, who may be reached, retention, the integrity check. */
export const offsiteSchema = z.strictObject({
  enabled: z.boolean().default(false),
  image: pinnedImage.default(RCLONE_IMAGE),
  target: target.optional(),
  /** The folder on the target; each system writes into its own. */
  path: remotePath.default('postgres'),
  /** The only addresses the backup pods may reach besides Postgres and DNS: the target's, and its port. */
  network: networkSchema.optional(),
  /** How many dumps the target keeps: the newest of each of the last N days, weeks and months. */
  keep: z
    .strictObject({
      daily: z.int().min(1).max(366).default(7),
      weekly: z.int().min(0).max(260).default(4),
      monthly: z.int().min(0).max(120).default(6),
    })
    .prefault({}),
  /** When the integrity check decrypts the newest copy and compares every local dump with the target. */
  checkSchedule: schedule.default('0 5 * * 0'),
});
export type OffsiteConfig = z.output<typeof offsiteSchema>;
