/**
 * The Secrets a pgvector Postgres needs besides its system's own roles: the metrics exporter's
 * role (when metrics are on), the backup's read-only role (when backups are on), and the
 * off-node copy's repository password and target credentials (when that is on); on the
 * CloudNativePG engine, the object store's credentials only. `prefix` names the env-file keys
 * ("BOOKSYNC" gives BOOKSYNC_DB_BACKUP_PASSWORD…).
 */
import { BACKUP_ROLE, EXPORTER_ROLE, SecretSpec, roleSecret, roleSecretName } from '../../lib/secrets';
import { OBJECT_STORE_KEYS, objectStoreSecretName } from './cnpg-postgres';
import { OffsiteConfig } from './offsite-config';
import { PostgresConfig } from './postgres-config';

/** The roles a system's admin must not be: they belong to the exporter and the backup. */
export const SIDE_ROLES = [EXPORTER_ROLE, BACKUP_ROLE];

/** The Secret of a database's off-node copies: "<host>-offsite". */
export const offsiteSecretName = (host: string) => `${host}-offsite`;

export function postgresSecrets(
  base: Pick<SecretSpec, 'namespace' | 'labels'>,
  prefix: string,
  host: string,
  pg: PostgresConfig,
): SecretSpec[] {
  if (pg.engine === 'cloudnative-pg') return [objectStoreSecret(base, prefix, host)];
  return [
    ...(pg.metrics.enabled ? [roleSecret(base, roleSecretName(EXPORTER_ROLE), EXPORTER_ROLE, `${prefix}_DB_EXPORTER_PASSWORD`)] : []),
    ...(pg.backup.enabled ? [roleSecret(base, roleSecretName(BACKUP_ROLE), BACKUP_ROLE, `${prefix}_DB_BACKUP_PASSWORD`)] : []),
    ...(pg.backup.enabled && pg.backup.offsite.enabled ? [offsiteSecret(base, prefix, host, pg.backup.offsite)] : []),
  ];
}

/** The object store's credentials, which the Barman Cloud plugin reads (the user's: their bucket's keys). */
function objectStoreSecret(base: Pick<SecretSpec, 'namespace' | 'labels'>, prefix: string, host: string): SecretSpec {
  return {
    ...base,
    name: objectStoreSecretName(host),
    type: 'Opaque',
    data: {
      [OBJECT_STORE_KEYS.accessKeyId]: {
        provided: `${prefix}_OBJECT_STORE_ACCESS_KEY_ID`,
        hint: 'S3 access key of the bucket CloudNativePG archives WAL and base backups to',
      },
      [OBJECT_STORE_KEYS.secretAccessKey]: {
        provided: `${prefix}_OBJECT_STORE_SECRET_ACCESS_KEY`,
        hint: 'S3 secret key of the bucket CloudNativePG archives WAL and base backups to',
      },
    },
  };
}

/**
 * The repository password and salt (ours: generated, and the only way to read the copies: keep
 * the env file somewhere safe), and the target's credentials (the user's).
 */
function offsiteSecret(base: Pick<SecretSpec, 'namespace' | 'labels'>, prefix: string, host: string, offsite: OffsiteConfig): SecretSpec {
  const credentials: SecretSpec['data'] =
    offsite.target?.type === 'sftp'
      ? {
          'target-password': {
            provided: `${prefix}_OFFSITE_SFTP_PASSWORD`,
            hint: 'Password of the SFTP user the off-node backups log in as',
          },
        }
      : {
          'target-access-key-id': {
            provided: `${prefix}_OFFSITE_S3_ACCESS_KEY_ID`,
            hint: 'S3 access key of the bucket for the off-node backups',
          },
          'target-secret-access-key': {
            provided: `${prefix}_OFFSITE_S3_SECRET_ACCESS_KEY`,
            hint: 'S3 secret key of the bucket for the off-node backups',
          },
        };
  return {
    ...base,
    name: offsiteSecretName(host),
    type: 'Opaque',
    data: {
      'repository-password': { generated: `${prefix}_OFFSITE_PASSWORD` },
      'repository-salt': { generated: `${prefix}_OFFSITE_SALT` },
      ...credentials,
    },
  };
}
