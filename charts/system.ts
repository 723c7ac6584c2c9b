/**
 * What a system is to the rest of the project, and the chart every system builds on.
 *
 * A system (a seed) lives in one folder, systems/<name>/, whose index.ts exports a
 * SystemDefinition; app/registry.ts lists them. Everything else (the environment schema,
 * synth, Argo CD, secrets, sealing, the verify suite) loops over that list.
 */
import { Construct } from 'constructs';
import { z } from 'zod';
import { SecretSpec } from '../lib/secrets';
import { ClusterConfig } from './constructs/cluster-config';
import { SystemChart } from './constructs/system-chart';

/** What the verify suite checks of a system's database (verify/postgres.ts), as its README promises. */
export interface DatabaseExpectations {
  /** POSTGRES_USER, the superuser: init, the side roles and restores only. */
  readonly admin: string;
  readonly database: string;
  /**
   * The role that owns POSTGRES_DB, when not the admin: it creates the app's tables in public.
   * @default the admin
   */
  readonly owner?: string;
  /**
   * A script of the system's sql/ that moves a database made with `seedAdmin` as POSTGRES_USER
   * (the seed's superuser, which the apps used) to today's roles; verify runs it on one, twice.
   * @default none
   */
  readonly migration?: { readonly script: string; readonly seedAdmin: string };
  /** Each service role and the schema it owns, first on its search_path. */
  readonly services: Readonly<Record<string, string>>;
  /** PUBLIC has no CONNECT: a role granted nothing cannot connect. */
  readonly closedToPublic: boolean;
  /** The role that stores embeddings. */
  readonly vectorRole: string;
  readonly extensions: readonly string[];
  readonly absentExtensions: readonly string[];
}

export interface SystemDefinition<Name extends string = string, Config = unknown> {
  /** Its config section, its folder under dist/<env>/, its chart id and Argo CD Application. */
  readonly name: Name;
  /** How people call it ("BookSync"), for descriptions. */
  readonly title: string;
  /** Its folder: init SQL in sql/, the expected connectivity in connectivity/<env>.txt, an optional fuzz.ts. */
  readonly dir: string;
  /** Its config section; every field has a default, so an empty section synthesizes. */
  readonly schema: z.ZodType<Config, unknown>;
  /** Its namespace, for the rules across systems (one each, none reserved). */
  namespace(config: Config): string;
  /** The Ingress hosts it serves: the config path of each below its section, and the host. */
  ingressHosts(config: Config): Array<[string[], string]>;
  /** Every Secret it reads: names, keys and where each value comes from. */
  secrets(config: Config): SecretSpec[];
  chart(scope: Construct, cluster: ClusterConfig, config: Config): SystemChart;
  /** What the verify suite expects of its database in prod's configuration. */
  readonly database: DatabaseExpectations;
}
