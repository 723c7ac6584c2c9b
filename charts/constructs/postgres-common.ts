/** What the Postgres constructs (the database and its backup) share: the image's user, ports and mounts. */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

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

/** Where a side container finds its one role's password: a file, never an env value. */
export const PASSWORD_FILE = '/run/secrets/db-role/password';

/**
 * One role's password as a file for a side container (the dump, the exporter): a volume with the
 * Secret's `password` key only (not the postgres container's folder, which holds the admin's),
 * group-readable by the pod's fsGroup, and its read-only mount at PASSWORD_FILE.
 */
export function rolePasswordFile(role: DatabaseRole): { volume: k8s.Volume; mount: k8s.VolumeMount } {
  return {
    volume: {
      name: 'db-role',
      secret: { secretName: role.secretName, items: [{ key: 'password', path: 'password' }], defaultMode: 0o440 },
    },
    mount: { name: 'db-role', mountPath: '/run/secrets/db-role', readOnly: true },
  };
}
