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
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseCommandLine, runCli } from '../lib/cli';
import { kubectl, requireContext } from '../lib/kubectl';
import { loadEnvironment } from '../app/environment';
import { SYSTEMS } from '../app/registry';
import { ConfigError } from '../lib/errors';
import {
  NEWEST_DUMP,
  PlanCommand,
  RestorePlan,
  checkDumpName,
  renderCommand,
  renderPlan,
  renderStep,
  restorePlan,
  targetFor,
} from '../app/restore-plan';
import { BACKUP_DIR } from '../charts/constructs/postgres-common';

const USAGE = 'npm run restore -- <env> <system> [dump] [--apply] [--from-file local.dump] [--argocd-namespace argocd]';

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

  const target = targetFor(loadEnvironment(values.config, env), env, system, values['argocd-namespace']);
  if (dump !== undefined) checkDumpName(dump, target);
  const plan = restorePlan(target, { dump, fromFile });
  if (values.apply) await applyPlan(plan, env);
  else process.stdout.write(renderPlan(plan));
}

if (require.main === module) runCli(main);
