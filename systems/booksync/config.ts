/** BookSync's section of config/<env>.yaml: its namespace, database, Postgres, images, APIs and Ingress. */
import * as path from 'path';
import { z } from 'zod';
import { distinctAdmin, PGVECTOR_IMAGE, postgresSchema } from '../../charts/constructs/postgres-config';
import { apiSchema, imagesSchema } from '../../charts/constructs/python-service-config';
import { dnsLabel, hostname, roleName } from '../../lib/schema';
import { PROJECT_ROOT } from '../../lib/project-root';
import { SIDE_ROLES } from '../../charts/constructs/postgres-secrets';

/**
 * This folder (init SQL in sql/, expected connectivity in connectivity/), found from the
 * project's root so that a bundled build finds it too.
 */
export const BOOKSYNC_DIR = path.join(PROJECT_ROOT, 'systems', 'booksync');

/** BookSync's APIs: Service name, container port and database role, as in the seed's tables. */
export const BOOKSYNC_APIS = {
  auth: { name: 'auth-api', port: 8000, role: 'booksync_auth', passwordKey: 'BOOKSYNC_DB_AUTH_PASSWORD' },
  data: { name: 'data-api', port: 8001, role: 'booksync_data', passwordKey: 'BOOKSYNC_DB_DATA_PASSWORD' },
  prediction: { name: 'prediction-api', port: 8002, role: 'booksync_prediction', passwordKey: 'BOOKSYNC_DB_PREDICTION_PASSWORD' },
} as const;

const smallApi = { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } };

/** BookSync (seed 003): one Postgres shared by the auth, data and prediction APIs. */
export const booksyncSchema = z.strictObject({
  namespace: dnsLabel.default('booksync'),
  database: z
    .strictObject({
      name: dnsLabel.default('booksync'),
      adminUser: roleName
        .superRefine(distinctAdmin([...Object.values(BOOKSYNC_APIS).map((a) => a.role), ...SIDE_ROLES]))
        .default('postgres'),
    })
    .prefault({}),
  postgres: postgresSchema({ image: PGVECTOR_IMAGE, storage: '10Gi', resources: { cpu: '1', memory: '1Gi' }, maxConnections: 50 }).prefault(
    {},
  ),
  images: imagesSchema('1.0.0'),
  apis: z
    .strictObject({
      auth: apiSchema({
        image: 'booksync-api-auth',
        resources: smallApi,
        env: { JWT_ALGORITHM: 'HS256', JWT_EXPIRE_MINUTES: '0', HOST: '0.0.0.0', PORT: '8000', DEBUG: 'false', BCRYPT_ROUNDS: '12' },
        internetEgress: true,
        port: BOOKSYNC_APIS.auth.port,
      }).prefault({}),
      data: apiSchema({
        image: 'booksync-api-data',
        resources: smallApi,
        env: { APP_ENV: 'development', APP_DEBUG: 'true' },
        internetEgress: false,
      }).prefault({}),
      prediction: apiSchema({
        image: 'booksync-api-prediction',
        resources: { requests: { cpu: '250m', memory: '768Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        env: {
          DATABASE_ECHO: 'false',
          VECTOR_DIMENSION: '384',
          SIMILARITY_THRESHOLD: '0.7',
          EMBEDDING_MODEL: 'all-MiniLM-L6-v2',
          EMBEDDING_BATCH_SIZE: '32',
          DEVICE: 'cpu',
          HOST: '0.0.0.0',
          PORT: '8002',
        },
        internetEgress: true,
        port: BOOKSYNC_APIS.prediction.port,
      }).prefault({}),
    })
    .prefault({}),
  ingress: z
    .strictObject({
      enabled: z.boolean().default(false),
      hosts: z
        .strictObject({
          auth: hostname.default('auth.booksync.home.arpa'),
          data: hostname.default('data.booksync.home.arpa'),
          prediction: hostname.default('prediction.booksync.home.arpa'),
        })
        .prefault({}),
      /** A TLS Secret of your own covering the hosts; unset: one per host from cluster.tls.issuer, or plain HTTP without one. */
      tlsSecretName: dnsLabel.optional(),
    })
    .prefault({}),
});
export type BookSyncConfig = z.output<typeof booksyncSchema>;
