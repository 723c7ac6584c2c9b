/**
 * Day-two operations: the restore plan (pure), the status rows (pure), and both commands run
 * for real as child processes against a fake kubectl first on PATH that logs its arguments
 * and answers with canned JSON.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { restoreArgs } from '../lib/restore';
import { NEWEST_DUMP, PlanCommand, RestorePlan, renderCommand, restorePlan, shellQuote, targetFor } from '../app/restore-plan';
import { claimRow, cronJobRow, deploymentRow, formatAge, restartsOf, statefulSetRow, systemRows } from '../app/status-table';
import { REPO, loadConfig, objectsOf } from './support/synth';
import { parseEnvironment } from '../app/environment';
import { KubeObject } from '../lib/manifests';
import { ensureEnvFile, scramVerifier } from '../lib/secrets';
import { allSecrets } from '../app/synth';

const planOf = (env: string, system: string, source = {}) => restorePlan(targetFor(loadConfig(env), env, system), source);
const argvs = (plan: RestorePlan, step: number): string[][] => plan.steps[step - 1].commands.map((c) => c.argv);
const deploymentsOf = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'Deployment') as any[];

describe('the restore plan', () => {
  test.each([
    ['booksync', 'postgres', 'booksync', 'postgres', ['postgres-backup', 'postgres-offsite-check']],
    ['mnemolite', 'db', 'mnemolite', 'postgres', ['db-backup', 'db-offsite-check']],
  ])('prod/%s: pause, stop, restore in %s-0, start, resume', (system, sts, database, admin, cronJobs) => {
    const plan = planOf('prod', system, { dump: `${database}-20250101T033000Z.dump` });
    const deployments = deploymentsOf(objectsOf('prod', system));
    const ns = ['-n', system];
    expect(plan.steps.map((s) => s.title)).toEqual([
      `Pause Argo CD's automated sync of ${system}`,
      'Stop the writers',
      'Restore the database',
      'Start the writers again',
      "Resume Argo CD's automated sync",
    ]);
    const automated = (name: string, value: unknown) => [
      '-n',
      'argocd',
      'patch',
      'application',
      name,
      '--type',
      'merge',
      '-p',
      JSON.stringify({ spec: { syncPolicy: { automated: value } } }),
    ];
    expect(argvs(plan, 1)).toEqual([automated('pi-gitops-root', null), automated(system, null)]);
    expect(argvs(plan, 2)).toEqual([
      ...cronJobs.map((c) => [...ns, 'patch', 'cronjob', c, '--type', 'merge', '-p', '{"spec":{"suspend":true}}']),
      ...deployments.map((d) => [...ns, 'scale', 'deployment', d.metadata.name, '--replicas=0']),
      ...deployments.map((d) => [
        ...ns,
        'wait',
        '--for=delete',
        'pod',
        '-l',
        `app.kubernetes.io/instance=${system},app.kubernetes.io/name=${d.metadata.name}`,
        '--timeout=300s',
      ]),
    ]);
    expect(argvs(plan, 3)).toEqual([
      [...ns, 'exec', `${sts}-0`, '-c', 'postgres', '--', ...restoreArgs(database, admin, `/backups/${database}-20250101T033000Z.dump`)],
    ]);
    expect(argvs(plan, 4)).toEqual([
      ...deployments.map((d) => [...ns, 'scale', 'deployment', d.metadata.name, `--replicas=${d.spec.replicas}`]),
      ...cronJobs.map((c) => [...ns, 'patch', 'cronjob', c, '--type', 'merge', '-p', '{"spec":{"suspend":false}}']),
    ]);
    expect(argvs(plan, 5)).toEqual([
      automated(system, { prune: true, selfHeal: true }),
      automated('pi-gitops-root', { prune: true, selfHeal: true }),
    ]);
    expect(renderCommand(plan.copyOff[1])).toBe(
      `kubectl -n ${system} cp ${sts}-0:/backups/${database}-20250101T033000Z.dump ./${database}-20250101T033000Z.dump -c postgres`,
    );
  });

  test('scales exactly the Deployments of the system, back to their configured replicas', () => {
    const config = parseEnvironment({ booksync: { apis: { data: { replicas: 3 } } } }, 'test');
    const plan = restorePlan(targetFor(config, 'test', 'booksync'), {});
    const scaled = (step: number) =>
      argvs(plan, step)
        .filter((a) => a[2] === 'scale')
        .map((a) => `${a[4]} ${a[5]}`);
    expect(scaled(2)).toEqual(['auth-api --replicas=0', 'data-api --replicas=0', 'prediction-api --replicas=0']);
    expect(scaled(4)).toEqual(['auth-api --replicas=1', 'data-api --replicas=3', 'prediction-api --replicas=1']);
  });

  test('without a dump name, the newest dump is found in the pod first, then restored', () => {
    const [find, restore] = planOf('prod', 'booksync').steps[2].commands;
    expect(find).toMatchObject({
      findsDump: true,
      argv: [
        '-n',
        'booksync',
        'exec',
        'postgres-0',
        '-c',
        'postgres',
        '--',
        'sh',
        '-c',
        'ls -1 /backups/booksync-*.dump | sort | tail -n 1',
      ],
    });
    expect(restore.argv.slice(-restoreArgs('', '', 'x').length)).toEqual(restoreArgs('booksync', 'postgres', NEWEST_DUMP));
    expect(renderCommand(find)).toBe(
      `DUMP=$(kubectl -n booksync exec postgres-0 -c postgres -- sh -c 'ls -1 /backups/booksync-*.dump | sort | tail -n 1')`,
    );
    expect(renderCommand(restore)).toMatch(/ --dbname=booksync "\$DUMP"$/);
  });

  test('--from-file streams the local file into exec -i, with no file argument', () => {
    const [restore] = planOf('prod', 'mnemolite', { fromFile: '/tmp/my copy.dump' }).steps[2].commands;
    expect(restore).toEqual({
      argv: ['-n', 'mnemolite', 'exec', '-i', 'db-0', '-c', 'postgres', '--', ...restoreArgs('mnemolite', 'postgres')],
      stdinFile: '/tmp/my copy.dump',
    });
    expect(renderCommand(restore)).toMatch(/ --dbname=mnemolite < '\/tmp\/my copy\.dump'$/);
  });

  test('with the worker disabled, the plan does not mention mnemo-worker', () => {
    const config = parseEnvironment({ mnemolite: { worker: { enabled: false } } }, 'test');
    const plan = restorePlan(targetFor(config, 'test', 'mnemolite'), {});
    const everything = JSON.stringify(plan);
    expect(everything).toContain('mnemo-api');
    expect(everything).not.toContain('mnemo-worker');
  });

  test('with backups off there is no CronJob to suspend or resume', () => {
    const config = parseEnvironment({ booksync: { postgres: { backup: { enabled: false } } } }, 'test');
    const plan = restorePlan(targetFor(config, 'test', 'booksync'), {});
    expect(plan.steps.flatMap((s) => s.commands).filter((c) => c.argv.includes('cronjob'))).toEqual([]);
  });

  test('an Argo CD that is not there is skipped, and a wait with no pod left is not a failure', () => {
    const [pause] = planOf('prod', 'booksync').steps[0].commands;
    expect(pause.tolerate!.pattern.test('Error from server (NotFound): applications.argoproj.io "booksync" not found')).toBe(true);
    expect(pause.tolerate!.pattern.test(`error: the server doesn't have a resource type "application"`)).toBe(true);
    expect(pause.tolerate!.pattern.test('error: You must be logged in to the server (Unauthorized)')).toBe(false);
  });

  test('arguments are quoted for POSIX sh', () => {
    expect(shellQuote('app.kubernetes.io/name=a,b=c')).toBe('app.kubernetes.io/name=a,b=c');
    expect(shellQuote(`{"a":"it's"}`)).toBe(`'{"a":"it'\\''s"}'`);
    expect(shellQuote('')).toBe("''");
  });
});

// ---------------------------------------------------------------------------------------
// Status rows

const NOW = new Date('2025-01-10T12:00:00Z');
const hoursAgo = (h: number, now = NOW) => new Date(now.getTime() - h * 3600e3).toISOString();
const meta = (name: string, labels: Record<string, string> = {}) => ({ name, namespace: 'booksync', labels });

/** A pod of a workload; not Ready when `waiting` is given. */
function pod(name: string, restarts: number, waiting?: string): any {
  return {
    kind: 'Pod',
    metadata: meta(`${name}-abc12`, { 'app.kubernetes.io/name': name }),
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: waiting ? 'False' : 'True' }],
      containerStatuses: [{ restartCount: restarts, state: waiting ? { waiting: { reason: waiting } } : { running: {} } }],
    },
  };
}

/** What `kubectl get … -o json` would list for a healthy deployment of these synthesized objects. */
function healthyItems(objects: KubeObject[], now = NOW): any[] {
  return (objects as any[]).flatMap((o) => {
    const n = o.spec?.replicas;
    if (o.kind === 'Deployment')
      return [{ ...o, status: { readyReplicas: n, updatedReplicas: n, availableReplicas: n } }, pod(o.metadata.name, 0)];
    if (o.kind === 'CronJob') return [{ ...o, status: { lastSuccessfulTime: hoursAgo(2, now), lastScheduleTime: hoursAgo(2, now) } }];
    if (o.kind !== 'StatefulSet') return [];
    const claims = o.spec.volumeClaimTemplates.map((t: any) => ({
      kind: 'PersistentVolumeClaim',
      metadata: meta(`${t.metadata.name}-${o.metadata.name}-0`),
      spec: t.spec ?? {},
      status: { phase: 'Bound', capacity: { storage: '10Gi' } },
    }));
    return [{ ...o, status: { readyReplicas: n, currentRevision: 'r1', updateRevision: 'r1' } }, pod(o.metadata.name, 2), ...claims];
  });
}

describe('status rows', () => {
  test('a healthy system: every workload ready, every claim Bound, restarts counted', () => {
    const objects = objectsOf('prod', 'booksync');
    const rows = systemRows(healthyItems(objects), objects, NOW);
    expect(rows.map((r) => `${r.object} ${r.ready} ${r.restarts ?? '-'}`)).toEqual([
      'StatefulSet/postgres 1/1 2',
      'Deployment/auth-api 1/1 0',
      'Deployment/data-api 1/1 0',
      'Deployment/prediction-api 1/1 0',
      'CronJob/postgres-backup - 0',
      'CronJob/postgres-offsite-check - 0',
      'PersistentVolumeClaim/backups-postgres-0 Bound -',
      'PersistentVolumeClaim/data-postgres-0 Bound -',
    ]);
    expect(rows.filter((r) => r.problem || r.warning)).toEqual([]);
  });

  test('a Deployment short of ready replicas, or with a pod not ready, is a problem', () => {
    const d = { kind: 'Deployment', metadata: meta('auth-api'), spec: { replicas: 1 }, status: { updatedReplicas: 1 } };
    expect(deploymentRow(d, [pod('auth-api', 5, 'CrashLoopBackOff')])).toMatchObject({
      ready: '0/1',
      restarts: 5,
      problem: '0/1 ready, 1 updated, 0 available',
    });
    const ready = { ...d, status: { readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1 } };
    expect(deploymentRow(ready, [pod('auth-api', 0), pod('auth-api', 1, 'ImagePullBackOff')]).problem).toBe(
      'pod auth-api-abc12 not ready (ImagePullBackOff)',
    );
    expect(deploymentRow({ ...d, spec: { replicas: 0 }, status: {} }, [], 1)).toMatchObject({
      problem: undefined,
      warning: 'scaled to 0, the config says 1',
    });
  });

  test('a StatefulSet rolling out to a new revision is a problem', () => {
    const s = {
      kind: 'StatefulSet',
      metadata: meta('postgres'),
      spec: { replicas: 1 },
      status: { readyReplicas: 1, currentRevision: 'r1', updateRevision: 'r2' },
    };
    expect(statefulSetRow(s, [])).toMatchObject({ ready: '1/1', details: 'revision r1 -> r2', problem: 'rolling out r2' });
  });

  test('the last backup: never, stale after two days, suspended', () => {
    const c = (status: object, suspend = false) =>
      cronJobRow({ kind: 'CronJob', metadata: meta('postgres-backup'), spec: { suspend }, status }, [], NOW);
    expect(c({})).toMatchObject({ details: 'last success never, last schedule never', warning: 'no successful backup yet' });
    expect(c({}).problem).toBeUndefined();
    expect(c({ lastSuccessfulTime: hoursAgo(49), lastScheduleTime: hoursAgo(1) })).toMatchObject({
      warning: 'last successful backup is 2d old',
    });
    expect(c({ lastSuccessfulTime: hoursAgo(47) }).warning).toBeUndefined();
    expect(c({ lastSuccessfulTime: hoursAgo(1) }).details).toBe(`last success ${hoursAgo(1)} (1h ago), last schedule never`);
    expect(c({ lastSuccessfulTime: hoursAgo(1) }, true)).toMatchObject({
      ready: 'suspended',
      warning: expect.stringContaining(`patch cronjob postgres-backup --type merge -p '{"spec":{"suspend":false}}'`),
    });
  });

  test('a claim not Bound is a problem; a workload the config has but the cluster lacks too', () => {
    expect(
      claimRow({
        metadata: meta('data-postgres-0'),
        spec: { storageClassName: 'local-path', resources: { requests: { storage: '10Gi' } } },
        status: { phase: 'Pending' },
      }),
    ).toMatchObject({ ready: 'Pending', details: '10Gi, local-path', problem: 'claim Pending' });
    const objects = objectsOf('prod', 'mnemolite');
    const rows = systemRows(
      healthyItems(objects).filter((i) => i.metadata.name !== 'mnemo-worker'),
      objects,
      NOW,
    );
    expect(rows.find((r) => r.object === 'Deployment/mnemo-worker')).toMatchObject({
      details: 'not in the cluster',
      problem: expect.stringContaining('missing'),
    });
  });

  test('restarts are summed over the containers of the pods with the workload name', () => {
    const two = { ...pod('db', 1), status: { containerStatuses: [{ restartCount: 1 }, { restartCount: 3 }] } };
    expect(restartsOf([two, pod('db', 2), pod('db-backup', 7)], 'db')).toBe(6);
    expect(formatAge(59e3)).toBe('59s');
    expect(formatAge(3 * 86400e3)).toBe('3d');
  });
});

// ---------------------------------------------------------------------------------------
// The commands, run for real against a fake kubectl

interface Rule {
  /** A regular expression matched against the arguments joined by spaces. */
  match: string;
  stdout?: string;
  stderr?: string;
  code?: number;
}

/** The fake: logs {argv, stdin} per call, answers with the first matching rule (else exit 0, no output). */
const FAKE_KUBECTL = `#!${process.execPath}
const fs = require('fs');
const argv = process.argv.slice(2);
const entry = { argv };
if (argv.includes('-i') || argv.join(' ').includes('-f -')) entry.stdin = fs.readFileSync(0, 'utf8');
fs.appendFileSync(process.env.FAKE_KUBECTL_LOG, JSON.stringify(entry) + '\\n');
const rules = JSON.parse(fs.readFileSync(process.env.FAKE_KUBECTL_RULES, 'utf8'));
const rule = rules.find((r) => new RegExp(r.match).test(argv.join(' '))) || {};
process.stdout.write(rule.stdout || '');
process.stderr.write(rule.stderr || '');
process.exit(rule.code || 0);
`;

const NO_CONTEXT: Rule = { match: '^config current-context$', stderr: 'error: current-context is not set', code: 1 };
const CONTEXT: Rule = { match: '^config current-context$', stdout: 'default\n' };
const listOf = (items: any[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
const getRule = (system: string, items: any[]): Rule => ({
  match: `^-n ${system} get deployments,statefulsets,cronjobs,pods,pvc -o json$`,
  stdout: listOf(items),
});

describe('the commands against a fake kubectl', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'operations-'));
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'kubectl'), FAKE_KUBECTL, { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Runs scripts/<script>.ts with the fake first on PATH (or no kubectl at all); never throws. */
  async function run(script: string, args: string[], rules: Rule[] = [], kubectlOnPath = true, extraEnv: Record<string, string> = {}) {
    fs.writeFileSync(path.join(dir, 'rules.json'), JSON.stringify(rules));
    const env = {
      ...process.env,
      ...extraEnv,
      PATH: kubectlOnPath ? `${path.join(dir, 'bin')}${path.delimiter}${process.env.PATH}` : path.join(dir, 'empty'),
      FAKE_KUBECTL_LOG: path.join(dir, 'log'),
      FAKE_KUBECTL_RULES: path.join(dir, 'rules.json'),
    };
    const cli = ['--import', 'tsx', path.join(REPO, 'scripts', `${script}.ts`), ...args];
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, cli, { cwd: REPO, env });
      return { code: 0, stdout, stderr };
    } catch (error: any) {
      return { code: error.code as number, stdout: error.stdout as string, stderr: error.stderr as string };
    }
  }
  const calls = (): Array<{ argv: string[]; stdin?: string }> =>
    fs.existsSync(path.join(dir, 'log'))
      ? fs
          .readFileSync(path.join(dir, 'log'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
      : [];

  const healthy = () => ['booksync', 'mnemolite'].map((s) => getRule(s, healthyItems(objectsOf('prod', s), new Date())));

  test('status: everything healthy gives the rows and exit 0, with one get per namespace', async () => {
    const { code, stdout } = await run('status', ['prod'], [CONTEXT, ...healthy()]);
    expect(stdout).toMatch(/^prod\/booksync \(namespace booksync\)\nOBJECT +READY +RESTARTS +DETAILS +STATE\n/m);
    expect(stdout).toMatch(/^Deployment\/auth-api +1\/1 +0 +updated 1, available 1 +ok$/m);
    expect(stdout).toMatch(/^StatefulSet\/db +1\/1 +2 +revision r1 \(current\) +ok$/m);
    expect(stdout).toMatch(/^CronJob\/db-backup +- +0 +last success \S+ \(2h ago\), last schedule \S+ \(2h ago\) +ok$/m);
    expect(stdout).toMatch(/^PersistentVolumeClaim\/data-postgres-0 +Bound +- +10Gi, local-path +ok$/m);
    expect(stdout).toMatch(/\nprod: everything ready and bound\n$/);
    expect(code).toBe(0);
    expect(calls().map((c) => c.argv.join(' '))).toEqual([
      'config current-context',
      '-n booksync get deployments,statefulsets,cronjobs,pods,pvc -o json',
      '-n mnemolite get deployments,statefulsets,cronjobs,pods,pvc -o json',
    ]);
  });

  test('status: a Pending claim or a pod not ready gives exit 1, naming them', async () => {
    const items = healthyItems(objectsOf('prod', 'booksync'), new Date()).map((i) =>
      i.metadata.name === 'data-postgres-0'
        ? { ...i, status: { phase: 'Pending' } }
        : i.metadata.name === 'auth-api-abc12'
          ? pod('auth-api', 4, 'CrashLoopBackOff')
          : i,
    );
    const { code, stdout } = await run('status', ['prod', 'booksync'], [CONTEXT, getRule('booksync', items)]);
    expect(stdout).toMatch(/^Deployment\/auth-api +1\/1 +4 .*NOT READY: pod auth-api-abc12 not ready \(CrashLoopBackOff\)$/m);
    expect(stdout).toMatch(/^PersistentVolumeClaim\/data-postgres-0 +Pending .*NOT READY: claim Pending$/m);
    expect(stdout).toMatch(/\nprod: NOT READY: booksync Deployment\/auth-api, booksync PersistentVolumeClaim\/data-postgres-0\n$/);
    expect(code).toBe(1);
  });

  test('status: a namespace that does not exist is a system not deployed', async () => {
    const rules = [
      CONTEXT,
      healthy()[0],
      getRule('mnemolite', []),
      { match: '^get namespace mnemolite', stderr: 'Error from server (NotFound): namespaces "mnemolite" not found', code: 1 },
    ];
    const { code, stdout } = await run('status', ['prod'], rules);
    expect(stdout).toContain('prod/mnemolite: not deployed (namespace mnemolite does not exist)');
    expect(stdout).toMatch(/\nprod: NOT READY: mnemolite \(not deployed\)\n$/);
    expect(code).toBe(1);
  });

  test('status: no context, or no kubectl at all, is one clear message and exit 1', async () => {
    const noContext = await run('status', ['prod'], [NO_CONTEXT]);
    expect(noContext).toMatchObject({
      code: 1,
      stderr:
        'kubectl has no current context: point KUBECONFIG at your k3s kubeconfig (/etc/rancher/k3s/k3s.yaml on the server) ' +
        'or run kubectl config use-context <name>\n',
    });
    const noKubectl = await run('status', ['prod'], [], false);
    expect(noKubectl.code).toBe(1);
    expect(noKubectl.stderr).toMatch(/^kubectl is not installed \(or not on PATH\)/);
  });

  /** The plan's calls in order, the newest dump standing for NEWEST_DUMP. */
  const planCalls = (plan: RestorePlan, dump = '') =>
    plan.steps.flatMap((s) => s.commands).map((c: PlanCommand) => c.argv.map((a) => (a === NEWEST_DUMP ? dump : a)));

  test('restore --apply runs exactly the plan, in order, with the newest dump found in the pod', async () => {
    const newest = '/backups/booksync-20250110T033000Z.dump';
    const { code, stdout } = await run('restore', ['prod', 'booksync', '--apply'], [CONTEXT, { match: 'sh -c ls', stdout: `${newest}\n` }]);
    expect(code).toBe(0);
    expect(calls().map((c) => c.argv)).toEqual([['config', 'current-context'], ...planCalls(planOf('prod', 'booksync'), newest)]);
    expect(stdout).toContain(`restoring ${newest}`);
    expect(stdout).toContain('done: check with npm run status -- prod');
  });

  test('restore --apply --from-file streams the file; an Argo CD that is not there is skipped', async () => {
    const file = path.join(dir, 'copy.dump');
    fs.writeFileSync(file, 'PGDMP fake dump');
    const notFound = {
      match: 'patch application',
      stderr: 'Error from server (NotFound): applications.argoproj.io "mnemolite" not found',
      code: 1,
    };
    const { code, stdout } = await run('restore', ['prod', 'mnemolite', '--from-file', file, '--apply'], [CONTEXT, notFound]);
    expect(code).toBe(0);
    expect(stdout).toContain('no Application mnemolite in argocd: Argo CD is not used here, skipped');
    expect(calls().map((c) => c.argv)).toEqual([
      ['config', 'current-context'],
      ...planCalls(planOf('prod', 'mnemolite', { fromFile: file })),
    ]);
    expect(calls().find((c) => c.argv.includes('-i'))!.stdin).toBe('PGDMP fake dump');
  });

  /** A fake rclone ($RCLONE): obscures visibly, lists three copies, and "fetches" by writing the name it was asked for. */
  const FAKE_RCLONE = `#!${process.execPath}
const fs = require('fs');
const [cmd, ...args] = process.argv.slice(2);
const keep = ['OFFSITE_REMOTE', 'OFFSITE_PASSWORD', 'TARGET_ACCESS_KEY_ID', 'TARGET_ENDPOINT'].map((k) => 'RCLONE_CONFIG_' + k);
const env = Object.fromEntries(keep.map((k) => [k, process.env[k]]));
fs.appendFileSync(__filename + '.log', JSON.stringify({ cmd, args, env }) + '\\n');
if (cmd === 'obscure') process.stdout.write('obscured:' + args[1] + '\\n');
const copies = ['19', '20', '21'].map((day) => 'booksync-202611' + day + 'T033000Z.dump');
if (cmd === 'lsf') process.stdout.write([...copies, 'x.partial'].join('\\n') + '\\n');
if (cmd === 'copyto') fs.writeFileSync(args[1], 'PGDMP from ' + args[0]);
`;

  test('restore --offsite lists the off-node copies, and with --apply fetches the one chosen --at a time and streams it', async () => {
    const secrets = path.join(dir, 'prod.env');
    const values = ['PASSWORD=repo-pass', 'SALT=repo-salt', 'S3_ACCESS_KEY_ID=AK', 'S3_SECRET_ACCESS_KEY=SK'];
    fs.writeFileSync(secrets, values.map((v) => `BOOKSYNC_OFFSITE_${v}\n`).join(''));
    fs.writeFileSync(path.join(dir, 'bin', 'rclone'), FAKE_RCLONE, { mode: 0o755 });
    // rclone runs with the settings it needs only: the fake logs beside itself.
    const rcloneEnv = { RCLONE: path.join(dir, 'bin', 'rclone') };
    const args = ['prod', 'booksync', '--offsite', '--at', '2026-11-20T12:00:00Z', '--secrets-file', secrets];
    const listed = await run('restore', args, [CONTEXT], true, rcloneEnv);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('  * booksync-20261120T033000Z.dump');
    expect(listed.stdout).not.toContain('x.partial');
    expect(calls()).toEqual([]); // no kubectl without --apply
    const applied = await run('restore', [...args, '--apply'], [CONTEXT], true, rcloneEnv);
    expect(applied.code).toBe(0);
    const rcloneCalls = fs
      .readFileSync(path.join(dir, 'bin', 'rclone.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const fetch = rcloneCalls.find((c) => c.cmd === 'copyto');
    expect(fetch.args[0]).toBe('offsite:booksync-20261120T033000Z.dump');
    // The CronJob's own remote and target, with the env file's secrets, passwords obscured.
    expect(fetch.env).toMatchObject({
      RCLONE_CONFIG_OFFSITE_REMOTE: 'target:pi-backups/postgres/booksync',
      RCLONE_CONFIG_OFFSITE_PASSWORD: 'obscured:repo-pass',
      RCLONE_CONFIG_TARGET_ACCESS_KEY_ID: 'AK',
      RCLONE_CONFIG_TARGET_ENDPOINT: 'https://s3.nas.home.arpa:9000',
    });
    expect(calls().find((c) => c.argv.includes('-i'))!.stdin).toBe('PGDMP from offsite:booksync-20261120T033000Z.dump');
    const late = await run(
      'restore',
      ['prod', 'booksync', '--offsite', '--at', '2026-01-01T00:00:00Z', '--secrets-file', secrets],
      [],
      true,
      rcloneEnv,
    );
    expect(late).toMatchObject({ code: 1 });
    expect(late.stderr).toContain('the oldest dump on the target is booksync-20261119T033000Z.dump');
    const garbage = await run('restore', ['prod', 'booksync', '--offsite', '--at', 'yesterday'], [], true, rcloneEnv);
    expect(garbage).toMatchObject({ code: 1, stderr: '--at "yesterday": not a time: write one such as 2026-11-21T04:00:00Z\n' });
    const unreal = await run('restore', ['prod', 'booksync', '--offsite', '--at', '2026-02-30'], [], true, rcloneEnv);
    expect(unreal).toMatchObject({ code: 1, stderr: '--at "2026-02-30": not a time: write one such as 2026-11-21T04:00:00Z\n' });
  });

  test('restore --apply stops at the first failing command and says how to bring the system back', async () => {
    const failing = {
      match: 'pg_restore',
      stderr: 'pg_restore: error: could not open input file "/backups/booksync-x.dump": No such file or directory',
      code: 1,
    };
    const { code, stderr } = await run(
      'restore',
      ['prod', 'booksync', 'booksync-x.dump', '--apply', '--argocd-namespace', 'gitops'],
      [CONTEXT, failing],
    );
    expect(code).toBe(1);
    expect(stderr).toContain('step 3 (Restore the database) failed at:');
    expect(stderr).toContain('kubectl said: pg_restore: error: could not open input file');
    expect(stderr).toContain('The database is as it was');
    expect(stderr).toContain('kubectl -n booksync scale deployment auth-api --replicas=1');
    expect(stderr).toContain(
      `kubectl -n gitops patch application booksync --type merge -p '{"spec":{"syncPolicy":{"automated":{"prune":true,"selfHeal":true}}}}'`,
    );
    const argv = calls().map((c) => c.argv);
    expect(argv[argv.length - 1]).toContain('pg_restore');
    expect(argv.some((a) => a.includes('--replicas=1'))).toBe(false);
  });

  test('restore --apply with no dump in the pod stops before pg_restore, the writers stopped, and says so', async () => {
    const none = { match: 'sh -c ls', stderr: 'ls: cannot access /backups/mnemolite-*.dump: No such file or directory' };
    const { code, stderr } = await run('restore', ['prod', 'mnemolite', '--apply'], [CONTEXT, none]);
    expect(code).toBe(1);
    expect(stderr).toContain('there is no dump in /backups yet (ls: cannot access');
    expect(stderr).toMatch(/^4\. Start the writers again: .*\n {3}kubectl -n mnemolite scale deployment mnemo-api --replicas=1$/m);
    expect(calls().some((c) => c.argv.includes('pg_restore'))).toBe(false);
  });

  test('restore prints the plan without calling kubectl', async () => {
    const { code, stdout } = await run('restore', ['prod', 'booksync']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      'kubectl -n booksync cp postgres-0:/backups/booksync-YYYYMMDDTHHMMSSZ.dump ./booksync-YYYYMMDDTHHMMSSZ.dump -c postgres',
    );
    expect(stdout).toMatch(
      /^1\. Pause Argo CD's automated sync of booksync: .*NotFound.*\n {3}kubectl -n argocd patch application pi-gitops-root /m,
    );
    expect(stdout).toMatch(/^5\. Resume Argo CD's automated sync: /m);
    expect(calls()).toEqual([]);
  });

  test.each([
    [['nope', 'booksync'], 'unknown environment "nope"'],
    [['prod', 'nope'], 'unknown system "nope": use one of booksync, mnemolite'],
    [['prod', 'booksync', '../booksync.dump'], 'bad dump name "../booksync.dump"'],
    [['prod', 'booksync', 'booksync.sql'], 'bad dump name "booksync.sql"'],
    [['prod', 'booksync', '--from-file', '/nonexistent/x.dump'], '--from-file /nonexistent/x.dump: no such file'],
    [['prod'], 'usage: npm run restore'],
  ])('restore %j: one clear message, exit 1', async (args, message) => {
    const { code, stdout, stderr } = await run('restore', args);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stderr).toContain(message);
  });

  test.each([
    [['nope'], 'unknown environment "nope"'],
    [['prod', 'nope'], 'unknown system "nope"'],
    [[], 'usage: npm run status'],
  ])('status %j: one clear message, exit 1', async (args, message) => {
    const { code, stderr } = await run('status', args, [CONTEXT]);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
    expect(calls()).toEqual([]);
  });

  test('rotate (external mode, --apply): one new value, the SQL and the Secret on stdin only, and the readers restarted', async () => {
    const file = path.join(dir, 'dev.env');
    const specs = allSecrets(loadConfig('dev'));
    ensureEnvFile(file, specs);
    const before = fs.readFileSync(file, 'utf8');
    const result = await run('rotate', ['dev', 'booksync', 'booksync_auth', '--apply', '--secrets-file', file], [CONTEXT]);
    expect(result.code).toBe(0);
    const after = fs.readFileSync(file, 'utf8');
    const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(changed).toEqual([expect.stringMatching(/^BOOKSYNC_DB_AUTH_PASSWORD=[A-Za-z0-9_-]{43}$/)]);
    const password = changed[0].split('=')[1];
    const log = calls().filter((c) => c.argv[0] !== 'config');
    expect(log.map((c) => c.argv.slice(0, 6))).toEqual([
      ['-n', 'booksync', 'exec', '-i', 'postgres-0', '-c'],
      ['apply', '-f', '-'],
      ['-n', 'booksync', 'rollout', 'restart', 'deployment/auth-api'],
    ]);
    // The verifier of the new password, never the password: PostgreSQL logs a failing statement whole.
    const verifier = /^ALTER ROLE "booksync_auth" PASSWORD '(SCRAM-SHA-256\$4096:([A-Za-z0-9+/=]+)\$[A-Za-z0-9+/=:]+)';\n$/.exec(
      log[0].stdin!,
    );
    expect(verifier).not.toBeNull();
    expect(verifier![1]).toBe(scramVerifier(password, Buffer.from(verifier![2], 'base64')));
    expect(verifier![1]).not.toBe(scramVerifier(`${password}x`, Buffer.from(verifier![2], 'base64')));
    expect(log[0].stdin).not.toContain(password);
    expect(log[1].stdin).toContain(Buffer.from(password).toString('base64'));
    for (const c of log) expect(c.argv.join(' ')).not.toContain(password);
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  test('rotate without --apply, when Postgres needs the cluster: the plan printed, nothing written, nothing run', async () => {
    const file = path.join(dir, 'dev.env');
    ensureEnvFile(file, allSecrets(loadConfig('dev')));
    const before = fs.readFileSync(file, 'utf8');
    const result = await run('rotate', ['dev', 'booksync', 'booksync_auth', '--secrets-file', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nothing was changed');
    expect(result.stdout).toContain('exec -i postgres-0 -c postgres -- psql');
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(calls()).toEqual([]);
  });

  // Before the env file changes: an unknown role, sealed mode without --cert or with a file that is not one, a role with a newline.
  test('rotate refuses bad input before the env file changes', async () => {
    const file = path.join(dir, 'prod.env');
    ensureEnvFile(file, allSecrets(loadConfig('prod')));
    const before = fs.readFileSync(file, 'utf8');
    const unknown = await run('rotate', ['prod', 'booksync', 'booksync_admin', '--secrets-file', file]);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      expect.stringContaining(
        'choose from postgres, booksync_auth, booksync_data, booksync_prediction, postgres_exporter, ' + 'postgres_backup',
      ),
    ]);
    const noCert = await run('rotate', ['prod', 'booksync', 'booksync_auth', '--secrets-file', file]);
    expect([noCert.code, noCert.stderr]).toEqual([1, expect.stringContaining('give --cert')]);
    // A --cert kubeseal could not use is refused here, not by the sealing after the env file changed.
    const badCert = await run('rotate', ['prod', 'booksync', 'booksync_auth', '--secrets-file', file, '--cert', file]);
    expect([badCert.code, badCert.stderr]).toEqual([1, expect.stringContaining('not a certificate')]);
    const newline = await run('rotate', ['prod', 'booksync', 'booksync_auth\nx', '--secrets-file', file]);
    expect([newline.code, newline.stderr.trim().split('\n')]).toEqual([1, [expect.stringContaining('"booksync_auth\\nx"')]]);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(calls()).toEqual([]);
  });

  test('restore --pitr --apply pauses Argo CD (absent here: tolerated), then applies the recovery Cluster; nothing else', async () => {
    const noArgo: Rule = {
      match: 'patch application',
      stderr: 'Error from server (NotFound): applications.argoproj.io not found',
      code: 1,
    };
    const result = await run('restore', ['ha', 'booksync', '--pitr', '2026-11-21T04:00:00Z', '--apply'], [CONTEXT, noArgo]);
    expect(result.code).toBe(0);
    const log = calls().filter((c) => c.argv[0] !== 'config');
    expect(log.map((c) => c.argv.slice(0, 5))).toEqual([
      ['-n', 'argocd', 'patch', 'application', 'pi-gitops-root'],
      ['-n', 'argocd', 'patch', 'application', 'booksync'],
      ['apply', '--server-side', '-f', expect.stringMatching(/postgres-pitr-20261121t040000z\.yaml$/)],
    ]);
    expect(fs.existsSync(log[2].argv[3])).toBe(false); // its temporary file removed
    expect(result.stdout).toContain('postgres-pitr-20261121t040000z is recovering beside postgres');
  });
});
