/**
 * A system's Postgres on the engine its config chooses (postgres.engine): the StatefulSet of
 * PgvectorPostgres, or a CloudNativePG Cluster (CnpgPostgres). Systems build it here and use what
 * both give: the host and port clients connect to, the image (pg_isready for the apps' wait), and
 * the workloads and connections the system's NetworkPolicies need.
 */
import { Construct } from 'constructs';
import { Connection } from './backend-network';
import { CnpgPostgres, CnpgPostgresProps } from './cnpg-postgres';
import { PgvectorPostgres, PgvectorPostgresProps } from './pgvector-postgres';
import { PostgresConfig } from './postgres-config';

export interface PostgresDatabase {
  readonly host: string;
  readonly port: number;
  readonly image: string;
  readonly scrapers: Connection[];
  /** Pods besides the database's own (the backup CronJobs), for the system's policies. */
  readonly sideWorkloads: string[];
  /** What the database's own pods and its side pods need, for the system's policies. */
  readonly sideConnections: Connection[];
  /** Workloads whose pods an operator makes (none for the StatefulSet), for BackendNetwork's operatorPods. */
  readonly operatorPods: string[];
}

export type PostgresEngineProps = PgvectorPostgresProps & { readonly cnpg: Omit<CnpgPostgresProps, 'name' | 'config' | 'database'> };

export function postgresEngine(scope: Construct, id: string, props: PostgresEngineProps): PostgresDatabase {
  const { cnpg, ...statefulSet } = props;
  return props.config.engine === 'cloudnative-pg'
    ? new CnpgPostgres(scope, id, { name: props.name, config: props.config, database: props.database, ...cnpg })
    : new PgvectorPostgres(scope, id, statefulSet);
}

/** The host clients connect to, for the config (DATABASE_URL): the Service, or the Cluster's `-rw` one. */
export function databaseHost(name: string, pg: PostgresConfig): string {
  return pg.engine === 'cloudnative-pg' ? `${name}-rw` : name;
}
