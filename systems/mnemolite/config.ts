/** MnemoLite's section of config/<env>.yaml: its namespace, database, Postgres, images, API, worker and exposure. */
import * as path from 'path';
import { z } from 'zod';
import { isCnpgReservedRole } from '../../charts/constructs/cnpg-config';
import { distinctAdmin, PGVECTOR_IMAGE, postgresSchema } from '../../charts/constructs/postgres-config';
import { apiSchema, imagesSchema } from '../../charts/constructs/python-service-config';
import { dnsLabel, hostname, roleName } from '../../lib/schema';
import { PROJECT_ROOT } from '../../lib/project-root';
import { SIDE_ROLES } from '../../charts/constructs/postgres-secrets';

/**
 * This folder (init SQL in sql/, expected connectivity in connectivity/), found from the
 * project's root so that a bundled build finds it too.
 */
export const MNEMOLITE_DIR = path.join(PROJECT_ROOT, 'systems', 'mnemolite');

/**
 * MnemoLite (seed 000, v1.3.0): Postgres "db", the API and an optional worker. The
 * defaults are the seed's compose limits (api 1 CPU/1G, worker 0.5 CPU/512M, db 2 CPU/4G):
 * the ceiling, which dev keeps and prod brings down to Pi size.
 */
export const mnemoliteSchema = z
  .strictObject({
    namespace: dnsLabel.default('mnemolite'),
    database: z
      .strictObject({
        name: dnsLabel.default('mnemolite'),
        /** The role the API and the worker log in as: it owns the database, and is no superuser. */
        user: roleName.superRefine(distinctAdmin(SIDE_ROLES)).default('mnemo'),
        /** The superuser POSTGRES_USER creates: init, the side roles and restores only; no app reads its Secret. */
        adminUser: roleName.superRefine(distinctAdmin(SIDE_ROLES)).default('postgres'),
      })
      .refine((d) => d.user !== d.adminUser, {
        path: ['adminUser'],
        message: 'must differ from database.user: the apps would then log in as the superuser; keep "postgres"',
      })
      .prefault({}),
    postgres: postgresSchema({ image: PGVECTOR_IMAGE, storage: '10Gi', resources: { cpu: '2', memory: '4Gi' }, maxConnections: 100 })
      .extend({
        /** Extensions the configured image provides besides pgvector (the pgvector images have neither). */
        extensions: z.strictObject({ pg_partman: z.boolean().default(false), pg_cron: z.boolean().default(false) }).prefault({}),
      })
      .superRefine((pg, ctx) => {
        const wanted = Object.entries(pg.extensions)
          .filter(([, on]) => on)
          .map(([name]) => name);
        if (wanted.length > 0 && pg.engine === 'cloudnative-pg') {
          ctx.addIssue({
            code: 'custom',
            path: ['extensions'],
            message:
              `${wanted.join(' and ')}: not in CloudNativePG's standard image (pgvector only): ` +
              'turn them off, or keep engine: statefulset',
          });
        } else if (wanted.length > 0 && pg.image.startsWith('pgvector/pgvector:')) {
          ctx.addIssue({
            code: 'custom',
            path: ['extensions'],
            message:
              `${wanted.join(' and ')} ${wanted.length > 1 ? 'are' : 'is'} not in ${pg.image}: ` +
              'set postgres.image to an image that provides them, or turn them off',
          });
        }
      })
      .prefault({}),
    images: imagesSchema('1.3.0'),
    api: apiSchema({
      image: 'mnemo-api',
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      env: { ENVIRONMENT: 'development' },
      internetEgress: true,
    }).prefault({}),
    worker: apiSchema({
      image: 'mnemo-worker',
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      env: { ENVIRONMENT: 'development', PYTHONUNBUFFERED: '1' },
      internetEgress: false,
    })
      // The worker is on the seed's backend network only (internal: true): no way out.
      .omit({ internetEgress: true })
      .extend({
        /** The seed marks the worker optional. */
        enabled: z.boolean().default(true),
      })
      .prefault({}),
    /** How users reach the API: Traefik on a host, or a ServiceLB LoadBalancer on the seed's API_PORT. */
    expose: z
      .strictObject({
        mode: z.enum(['ingress', 'loadBalancer']).default('ingress'),
        host: hostname.default('mnemolite.home.arpa'),
        loadBalancerPort: z.int().min(1).max(65535).default(8001),
        /** A TLS Secret of your own for the host; unset: one from cluster.tls.issuer, or plain HTTP without one. */
        tlsSecretName: dnsLabel.optional(),
      })
      .prefault({}),
  })
  // On CloudNativePG the app's role becomes the Cluster's owner (initdb.owner): never one the operator keeps.
  .refine((s) => s.postgres.engine !== 'cloudnative-pg' || !isCnpgReservedRole(s.database.user), {
    path: ['database', 'user'],
    message: 'is a role CloudNativePG keeps for itself (postgres, streaming_replica, cnpg_*): keep "mnemo", or choose another',
  });
export type MnemoLiteConfig = z.output<typeof mnemoliteSchema>;
