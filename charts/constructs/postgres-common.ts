/** What the Postgres constructs (the database and its backup) share: the image's user, ports and mounts. */

/** uid and gid of the postgres user in the official (and pgvector) images. */
export const POSTGRES_UID = 999;
export const POSTGRES_PORT = 5432;
/** postgres_exporter's port, when metrics are on. */
export const METRICS_PORT = 9187;
/** Where the dumps are, in the backup pod and (read-only) in the database pod. */
export const BACKUP_DIR = '/backups';
/** Where each role's password file is mounted: <dir>/<role>. */
export const ROLE_PASSWORDS_DIR = '/run/secrets/db-roles';

export interface DatabaseRole {
  /** The Postgres role name. */
  readonly role: string;
  /** The Secret (kubernetes.io/basic-auth) that holds its password. */
  readonly secretName: string;
}
