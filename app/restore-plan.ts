/**
 * The restore of a system's database as a plan: pause Argo CD, stop the writers, pg_restore
 * inside the database pod (lib/restore.ts' command), start the writers, resume Argo CD. Pure:
 * `npm run restore` prints it or runs it with kubectl.
 */
import * as path from 'path';
import { restoreArgs } from '../lib/restore';
import { namespaceOf, systemsOf } from '../lib/kubectl';
import { ConfigError } from '../lib/errors';
import { KubeObject } from '../lib/manifests';
import { BACKUP_DIR } from '../charts/constructs/postgres-common';
import { EnvironmentConfig } from './environment';
import { synthesizeArgoCd, synthesizeObjects } from './synth';

/** Stands for the newest dump's path: resolved in the pod with --apply, by the shell when printed. */
export const NEWEST_DUMP = '$DUMP';

/** One kubectl call of the plan. */
export interface PlanCommand {
  /** kubectl's arguments (without "kubectl"). */
  argv: string[];
  /** A local file streamed on kubectl's stdin. */
  stdinFile?: string;
  /** Its output is the path of the newest dump, which NEWEST_DUMP then stands for. */
  findsDump?: boolean;
  /** A failure that is not one (an Argo CD that is not there), and what it means. */
  tolerate?: { pattern: RegExp; meaning: string };
}

export interface PlanStep {
  title: string;
  why: string;
  commands: PlanCommand[];
  /** Where things stand when this step fails, and the steps (1-based) that bring the system back. */
  recovery: { advice: string; steps: number[] };
}

export interface RestorePlan {
  /** One line: what is restored, where, from what. */
  summary: string;
  /** How to list the dumps and copy one off the cluster. */
  copyOff: PlanCommand[];
  steps: PlanStep[];
}

/** What a restore acts on, read from the synthesized objects. */
export interface RestoreTarget {
  env: string;
  system: string;
  namespace: string;
  /** The database pod (<statefulset>-0) and the database and admin role its image created. */
  pod: string;
  database: string;
  adminUser: string;
  deployments: Array<{ name: string; replicas: number; selector: string }>;
  cronJobs: string[];
  argocdNamespace: string;
  /** In the order to pause them (the app-of-apps first) with the automated policy to give back. */
  applications: Array<{ name: string; automated: unknown }>;
}

/** Where the dump comes from: a name under /backups, a local file, or neither (the newest). */
export interface DumpSource {
  dump?: string;
  fromFile?: string;
}

/** The StatefulSet engine's Postgres pod, its database and admin (POSTGRES_DB, POSTGRES_USER); undefined on CloudNativePG. */
export function postgresPod(objects: KubeObject[]): { pod: string; database: string; adminUser: string } | undefined {
  const sts = (objects as any[]).find(
    (o) => o.kind === 'StatefulSet' && o.spec.template.spec.containers.some((c: any) => c.name === 'postgres'),
  );
  if (!sts) return undefined;
  const env = Object.fromEntries(
    sts.spec.template.spec.containers.find((c: any) => c.name === 'postgres').env.map((e: any) => [e.name, e.value]),
  );
  return { pod: `${sts.metadata.name}-0`, database: env.POSTGRES_DB, adminUser: env.POSTGRES_USER };
}

/** The restore target of a system from its synthesized objects and the environment's Argo CD Applications. */
export function restoreTarget(
  env: string,
  system: string,
  objects: KubeObject[],
  argocd: KubeObject[],
  argocdNamespace: string,
): RestoreTarget {
  const any = objects as any[];
  const postgres = postgresPod(objects);
  if (!postgres)
    throw new ConfigError(
      `${env}/${system} runs CloudNativePG, which has no dumps: recover it to a point in time with ` +
        `npm run restore -- ${env} ${system} --pitr <time> (README: "The PITR drill")`,
    );
  return {
    env,
    system,
    namespace: namespaceOf(objects),
    ...postgres,
    deployments: any
      .filter((o) => o.kind === 'Deployment')
      .map((d) => ({
        name: d.metadata.name,
        replicas: d.spec.replicas ?? 1,
        selector: Object.entries(d.spec.selector.matchLabels)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(','),
      })),
    cronJobs: any.filter((o) => o.kind === 'CronJob').map((c) => c.metadata.name),
    argocdNamespace,
    applications: applicationsToPause(argocd, system),
  };
}

/**
 * The Applications to pause before touching a system's database, in order, with the automated
 * policy to give back: the app-of-apps first (it syncs the Argo CD folder, which declares the
 * system's Application: its self-heal would put back the system's automated sync), then the system's.
 */
export function applicationsToPause(argocd: KubeObject[], system: string): Array<{ name: string; automated: unknown }> {
  const apps = (argocd as any[]).filter((o) => o.kind === 'Application');
  const parents = apps.filter((a) => path.posix.basename(a.spec.source.path) === 'argocd');
  return [...parents, ...apps.filter((a) => a.metadata.name === system)].map((a) => ({
    name: a.metadata.name,
    automated: a.spec.syncPolicy.automated,
  }));
}

/** The restore target of a system of a configuration, Argo CD's namespace from the config unless given. */
export function targetFor(config: EnvironmentConfig, env: string, system: string, argocdNamespace?: string): RestoreTarget {
  const objects = synthesizeObjects(config);
  const [[, own]] = systemsOf(objects, [system]);
  return restoreTarget(env, system, own, synthesizeArgoCd(env, config, objects), argocdNamespace ?? config.argocd.namespace);
}

/**
 * Sets an Application's automated sync policy (null pauses it); tolerates a cluster without Argo CD.
 * The restore and --pitr pause with it, and the restore resumes with it.
 */
export function syncPolicyCommand(argocdNamespace: string, name: string, automated: unknown): PlanCommand {
  return {
    argv: [
      '-n',
      argocdNamespace,
      'patch',
      'application',
      name,
      '--type',
      'merge',
      '-p',
      JSON.stringify({ spec: { syncPolicy: { automated } } }),
    ],
    tolerate: {
      pattern: /NotFound|doesn't have a resource type/,
      meaning: `no Application ${name} in ${argocdNamespace}: Argo CD is not used here, skipped`,
    },
  };
}

/** The five steps, with their kubectl calls, for a target and a dump source. Pure. */
export function restorePlan(t: RestoreTarget, source: DumpSource): RestorePlan {
  const ns = (...args: string[]) => ['-n', t.namespace, ...args];
  const inPod = (...args: string[]) => ns('exec', t.pod, '-c', 'postgres', '--', ...args);
  const patch = (kind: string, name: string, spec: unknown) => ns('patch', kind, name, '--type', 'merge', '-p', JSON.stringify({ spec }));
  const syncPolicy = (name: string, automated: unknown) => syncPolicyCommand(t.argocdNamespace, name, automated);
  const scale = (replicas: (d: RestoreTarget['deployments'][number]) => number): PlanCommand[] =>
    t.deployments.map((d) => ({ argv: ns('scale', 'deployment', d.name, `--replicas=${replicas(d)}`) }));
  const suspend = (suspended: boolean): PlanCommand[] => t.cronJobs.map((c) => ({ argv: patch('cronjob', c, { suspend: suspended }) }));
  // Older kubectl fails a delete wait that matches nothing: then there is nothing to wait for.
  const podsGone = t.deployments.map((d) => ({
    argv: ns('wait', '--for=delete', 'pod', '-l', d.selector, '--timeout=300s'),
    tolerate: { pattern: /no matching resources found/, meaning: 'no pod left' },
  }));

  const newest = `${BACKUP_DIR}/${t.database}-*.dump`;
  const restore: PlanCommand[] = source.fromFile
    ? [{ argv: [...ns('exec', '-i', t.pod, '-c', 'postgres', '--'), ...restoreArgs(t.database, t.adminUser)], stdinFile: source.fromFile }]
    : source.dump
      ? [{ argv: inPod(...restoreArgs(t.database, t.adminUser, `${BACKUP_DIR}/${source.dump}`)) }]
      : [
          { argv: inPod('sh', '-c', `ls -1 ${newest} | sort | tail -n 1`), findsDump: true },
          { argv: inPod(...restoreArgs(t.database, t.adminUser, NEWEST_DUMP)) },
        ];
  const from = source.fromFile
    ? `the local file ${source.fromFile}`
    : source.dump
      ? `${BACKUP_DIR}/${source.dump}`
      : `the newest ${newest}`;
  const example = source.dump ?? `${t.database}-YYYYMMDDTHHMMSSZ.dump`;
  const backOnline = 'Fix the cause and run this again (every step can be repeated), or bring the system back without restoring, by hand:';

  return {
    summary:
      `Restore ${t.env}/${t.system}: database ${t.database} (as ${t.adminUser}) ` +
      `in pod ${t.pod}, namespace ${t.namespace}, from ${from}.`,
    copyOff: [
      { argv: inPod('ls', '-l', BACKUP_DIR) },
      { argv: ns('cp', `${t.pod}:${BACKUP_DIR}/${example}`, `./${example}`, '-c', 'postgres') },
    ],
    steps: [
      {
        title: `Pause Argo CD's automated sync of ${t.system}`,
        why:
          `it would scale the writers back up mid-restore; the app-of-apps first, or its self-heal puts ${t.system}'s policy back. ` +
          'Without Argo CD kubectl answers NotFound: skip this (--apply does)',
        commands: t.applications.map((a) => syncPolicy(a.name, null)),
        recovery: { advice: 'Nothing is stopped. If a pause went through, resume Argo CD by hand:', steps: [5] },
      },
      {
        title: 'Stop the writers',
        why: 'no backup, API or worker may touch the database while it is replaced: no new backup, no replicas, and their pods gone',
        commands: [...suspend(true), ...scale(() => 0), ...podsGone],
        recovery: { advice: `Some writers may be stopped; the database is untouched. ${backOnline}`, steps: [4, 5] },
      },
      {
        title: 'Restore the database',
        why: `pg_restore --clean in one transaction inside ${t.pod}, as ${t.adminUser} over the pod's socket: all of the dump or nothing`,
        commands: restore,
        recovery: { advice: `The database is as it was (the restore is one transaction). ${backOnline}`, steps: [4, 5] },
      },
      {
        title: 'Start the writers again',
        why: `the replicas config/${t.env}.yaml gives, and the nightly backup back on`,
        commands: [...scale((d) => d.replicas), ...suspend(false)],
        recovery: { advice: 'The database is restored. Finish by hand:', steps: [4, 5] },
      },
      {
        title: "Resume Argo CD's automated sync",
        why: `prune and self-heal as dist/${t.env}/argocd declares them; ${t.system}'s Application first, then the app-of-apps`,
        commands: [...t.applications].reverse().map((a) => syncPolicy(a.name, a.automated)),
        recovery: { advice: `${t.system} runs on the restored database. Finish by hand:`, steps: [5] },
      },
    ],
  };
}

/** An argument as POSIX sh reads it back: bare when safe, else in single quotes. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command as it can be pasted into a shell. */
export function renderCommand(cmd: PlanCommand): string {
  const line = ['kubectl', ...cmd.argv].map((a) => (a === NEWEST_DUMP ? '"$DUMP"' : shellQuote(a))).join(' ');
  if (cmd.findsDump) return `DUMP=$(${line})`;
  return cmd.stdinFile ? `${line} < ${shellQuote(cmd.stdinFile)}` : line;
}

export function renderStep(plan: RestorePlan, number: number): string {
  const step = plan.steps[number - 1];
  return [`${number}. ${step.title}: ${step.why}.`, ...step.commands.map((c) => `   ${renderCommand(c)}`)].join('\n');
}

/** The whole plan as printed without --apply. */
export function renderPlan(plan: RestorePlan): string {
  return [
    plan.summary,
    'Run the commands in order (or run this again with --apply to have them run).',
    '',
    "First keep a copy of a dump off the cluster (the dumps live on one node's disk):",
    ...plan.copyOff.map((c) => `   ${renderCommand(c)}`),
    ...plan.steps.flatMap((_, i) => ['', renderStep(plan, i + 1)]),
    '',
  ].join('\n');
}

/** A dump name under /backups: a plain file name ending in .dump. */
export function checkDumpName(dump: string, t: RestoreTarget): void {
  if (!/^[^/]+\.dump$/.test(dump)) {
    const list = ['kubectl', '-n', t.namespace, 'exec', t.pod, '-c', 'postgres', '--', 'ls', BACKUP_DIR].join(' ');
    throw new ConfigError(
      `bad dump name "${dump}": give the name of a file in ${BACKUP_DIR} ending in .dump, without a path ` +
        `(such as ${t.database}-20250101T033000Z.dump); list them with ${list}`,
    );
  }
}
