/**
 * npm run restore -- <env> <system> [dump] [--apply] [--from-file local.dump] [--argocd-namespace argocd]
 *
 * Prints (by default) or runs with kubectl (--apply) the steps that restore a system's
 * database from a backup dump: pause Argo CD, stop the writers, pg_restore inside the
 * database pod (lib/restore.ts' command), start the writers, resume Argo CD. The dump is
 * /backups/<dump> in the pod, the newest /backups/<database>-*.dump when none is named, or a
 * local file streamed on stdin (--from-file, for a fresh cluster). Every name comes from the
 * synthesized objects of config/<env>.yaml. With --apply it stops at the first failing
 * command and says how to bring the system back.
 *
 *   npm run restore -- <env> <system> --pitr <time> [--apply]
 *
 * On the CloudNativePG engine: prints (or with --apply runs) the Argo CD pause and the apply of a
 * recovery Cluster restored from the object store to <time> (app/pitr.ts), beside the running one.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { confinedPath, parseCommandLine, runCli } from '../lib/cli';
import { kubectl, requireContext } from '../lib/kubectl';
import { EnvironmentConfig, loadEnvironment } from '../app/environment';
import { atStamp, chooseDump, dumpsOf, obscuredPasswords, offsiteEnvironment, rclone } from '../app/offsite-fetch';
import { synthesizeArgoCd, synthesizeObjects } from '../app/synth';
import { readEnvFile } from '../lib/secrets';
import { ensureTool } from '../lib/tools';
import { SYSTEMS } from '../app/registry';
import { pitrCluster, pitrTime } from '../app/pitr';
import { Yaml } from 'cdk8s';
import { ConfigError } from '../lib/errors';
import {
  NEWEST_DUMP,
  PlanCommand,
  RestorePlan,
  applicationsToPause,
  checkDumpName,
  syncPolicyCommand,
  renderCommand,
  renderPlan,
  renderStep,
  restorePlan,
  targetFor,
} from '../app/restore-plan';
import { BACKUP_DIR } from '../charts/constructs/postgres-common';

const USAGE =
  'npm run restore -- <env> <system> [dump] [--apply] [--from-file local.dump | --offsite [--at <time>] | --pitr <time>] ' +
  '[--argocd-namespace argocd]';

/** Runs the plan with kubectl, printing each step and command; throws with recovery advice at the first failure. */
async function applyPlan(plan: RestorePlan, env: string): Promise<void> {
  console.log(`context: ${await requireContext()}\n${plan.summary}`);
  let dump = '';
  for (const [index, step] of plan.steps.entries()) {
    console.log(`\n${index + 1}. ${step.title}: ${step.why}.`);
    for (const cmd of step.commands) {
      const run = { ...cmd, argv: cmd.argv.map((a) => (a === NEWEST_DUMP ? dump : a)) };
      console.log(`   $ ${renderCommand(run)}`);
      const result = await kubectl(run.argv, run.stdinFile);
      const said = `${result.stdout}${result.stderr}`.trim();
      if (result.code !== 0 && cmd.tolerate?.pattern.test(result.stderr)) console.log(`   ${cmd.tolerate.meaning}`);
      else if (result.code !== 0) throw new Error(failure(plan, index, run, `kubectl said: ${said || `exit ${result.code}`}`));
      else if (cmd.findsDump && !result.stdout.trim())
        throw new Error(
          failure(
            plan,
            index,
            run,
            `there is no dump in ${BACKUP_DIR} yet (${said || 'empty'}): name one, or restore a copy with --from-file`,
          ),
        );
      else if (cmd.findsDump) console.log(`   restoring ${(dump = result.stdout.trim())}`);
      else if (said) console.log(said.replace(/^/gm, '   '));
    }
  }
  console.log(`\ndone: check with npm run status -- ${env}`);
}

function failure(plan: RestorePlan, index: number, cmd: PlanCommand, reason: string): string {
  const { advice, steps } = plan.steps[index].recovery;
  return [
    `\nstep ${index + 1} (${plan.steps[index].title}) failed at:`,
    `   ${renderCommand(cmd)}`,
    reason,
    '',
    advice,
    ...steps.map((n) => renderStep(plan, n)),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: {
      apply: { type: 'boolean', default: false },
      'from-file': { type: 'string' },
      offsite: { type: 'boolean', default: false },
      at: { type: 'string' },
      pitr: { type: 'string' },
      'secrets-file': { type: 'string' },
      'argocd-namespace': { type: 'string' },
      config: { type: 'string', default: 'config' },
    },
  });
  const [env, system, dump] = positionals;
  if (!system || positionals.length > 3)
    throw new ConfigError(`usage: ${USAGE}   (for example: npm run restore -- prod ${SYSTEMS[0].name})`);
  // npm runs scripts in the package folder: a relative path is the caller's.
  const fromFile = values['from-file'] && path.resolve(process.env.INIT_CWD ?? process.cwd(), values['from-file']);
  if (fromFile && dump)
    throw new ConfigError('give either a dump name (a file in /backups of the pod) or --from-file (a local file), not both');
  if (fromFile && !fs.statSync(fromFile, { throwIfNoEntry: false })?.isFile())
    throw new ConfigError(`--from-file ${fromFile}: no such file`);

  if (values.offsite && fromFile) throw new ConfigError('give either --offsite (a copy on the off-node target) or --from-file, not both');
  if (values.at && !values.offsite) throw new ConfigError('--at chooses among the off-node copies: use it with --offsite');
  const at = values.at === undefined ? undefined : atStamp(values.at);

  if (values.pitr !== undefined && (dump || fromFile || values.offsite))
    throw new ConfigError('--pitr recovers from the object store: give no dump, --from-file or --offsite with it');
  const pitrAt = values.pitr === undefined ? undefined : pitrTime(values.pitr);

  const config = loadEnvironment(values.config, env);
  if (pitrAt) return recoverToTime(config, env, system, pitrAt, values.apply, values['argocd-namespace']);
  const target = targetFor(config, env, system, values['argocd-namespace']);
  if (values.offsite)
    return restoreFromOffsite(config, env, system, target, {
      dump,
      at,
      apply: values.apply,
      secretsFile: values['secrets-file'],
    });
  if (dump !== undefined) checkDumpName(dump, target);
  const plan = restorePlan(target, { dump, fromFile });
  if (values.apply) await applyPlan(plan, env);
  else process.stdout.write(renderPlan(plan));
}

/**
 * --offsite: the copies on the target listed (newest first), one chosen (named, the newest at or
 * before --at, or the newest), and with --apply fetched with rclone into a private temporary folder
 * and restored as --from-file would; without --apply, the list and the plan only.
 */
async function restoreFromOffsite(
  config: EnvironmentConfig,
  env: string,
  system: string,
  target: ReturnType<typeof targetFor>,
  options: { dump?: string; at?: string; apply: boolean; secretsFile?: string },
): Promise<void> {
  const envFile = confinedPath(options.secretsFile ?? path.join('secrets', `${env}.env`), '--secrets-file', 'secrets');
  const values = readEnvFile(envFile);
  const settings = offsiteEnvironment(config, synthesizeObjects(config).get(system) ?? [], system, values, envFile);
  const binary = ensureTool('rclone', (line) => console.error(line));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'restore-offsite-'));
  try {
    const knownHosts = path.join(scratch, 'known_hosts');
    if (settings.KNOWN_HOSTS) fs.writeFileSync(knownHosts, `${settings.KNOWN_HOSTS}\n`, { mode: 0o600 });
    const rcloneEnv = {
      ...settings,
      HOME: scratch,
      RCLONE_CONFIG: path.join(scratch, 'rclone.conf'),
      RCLONE_CACHE_DIR: path.join(scratch, 'cache'),
      RCLONE_CONFIG_TARGET_KNOWN_HOSTS_FILE: knownHosts,
      ...(await obscuredPasswords(binary, settings)),
    };
    const dumps = dumpsOf(await rclone(binary, ['lsf', '--files-only', 'offsite:'], rcloneEnv));
    const chosen = chooseDump(dumps, options.dump, options.at);
    console.log(`off-node copies of ${system} (newest first):\n${dumps.map((d) => `  ${d === chosen ? '*' : ' '} ${d}`).join('\n')}`);
    const local = path.join(scratch, chosen);
    const plan = restorePlan(target, { fromFile: local });
    if (!options.apply) {
      process.stdout.write(`\nwith --apply, ${chosen} is fetched into a temporary folder, then:\n${renderPlan(plan)}`);
      return;
    }
    await rclone(binary, ['copyto', `offsite:${chosen}`, local], rcloneEnv);
    console.log(`fetched ${chosen} (${fs.statSync(local).size} bytes), decrypted`);
    await applyPlan(plan, env);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * --pitr: Argo CD paused (as for a restore), then the recovery Cluster applied. The running Cluster
 * is left as it is: check the recovered data, then cut over as the README's PITR drill says.
 */
async function recoverToTime(
  config: EnvironmentConfig,
  env: string,
  system: string,
  at: string,
  apply: boolean,
  argocdNamespace = config.argocd.namespace,
): Promise<void> {
  const objects = synthesizeObjects(config);
  const cluster = (objects.get(system) ?? []).find((o) => o.kind === 'Cluster');
  if (!cluster)
    throw new ConfigError(
      `${env}/${system} runs the statefulset engine, which has no WAL archive: --pitr needs postgres.engine: cloudnative-pg; ` +
        `restore a dump instead (npm run restore -- ${env} ${system})`,
    );
  const recovery = pitrCluster(cluster, at);
  const pause = applicationsToPause(synthesizeArgoCd(env, config, objects), system).map((a) =>
    syncPolicyCommand(argocdNamespace, a.name, null),
  );
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pitr-')), `${recovery.metadata.name}.yaml`);
  fs.writeFileSync(file, Yaml.stringify(recovery));
  const steps: Array<{ title: string; argv: string[]; tolerate?: RegExp }> = [
    ...pause.map(({ argv, tolerate }) => ({ title: "Pause Argo CD's automated sync", argv, tolerate: tolerate?.pattern })),
    { title: `Create ${recovery.metadata.name} from the object store at ${at}`, argv: ['apply', '--server-side', '-f', file] },
  ];
  try {
    if (!apply) {
      process.stdout.write(`${Yaml.stringify(recovery)}\n# with --apply:\n`);
      for (const s of steps) console.log(`#   ${s.title}: ${renderCommand({ argv: s.argv.map((a) => (a === file ? '-' : a)) })}`);
      console.log('# (the last one with the YAML above on stdin)');
      return;
    }
    console.log(`context: ${await requireContext()}`);
    for (const s of steps) {
      console.log(`${s.title}\n   $ ${renderCommand({ argv: s.argv })}`);
      const result = await kubectl(s.argv);
      if (result.code !== 0 && !s.tolerate?.test(result.stderr)) {
        const said = `${result.stdout}${result.stderr}`.trim();
        throw new ConfigError(`kubectl said: ${said}\nArgo CD may be paused: resume it as the README says.`);
      }
    }
    console.log(
      `\n${recovery.metadata.name} is recovering beside ${cluster.metadata.name}: ` +
        `kubectl -n ${cluster.metadata.namespace} get cluster ${recovery.metadata.name} -w; ` +
        'then check it and cut over (README: "The PITR drill")',
    );
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

if (require.main === module) runCli(main);
