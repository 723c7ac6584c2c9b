/**
 * The off-node copies for real: the commands of the backup CronJob's `offsite` container and of
 * the weekly check, read from dist/prod, run with the rclone release the image runs (built from
 * the Go module proxy) against real servers on 127.0.0.1: `rclone serve s3` (an S3 API over a
 * folder) and `rclone serve sftp` (with a throwaway host key, checked through known_hosts).
 * For each target it proves: a dump goes up encrypted (no plaintext, no file name in clear on
 * the server); 60 simulated nights leave exactly the newest dump of each of the last N days,
 * weeks and months; the check passes, and fails on a tampered copy and on a wrong repository
 * password; a copy comes back byte for byte; a target that dies mid-upload fails the step and
 * leaves the earlier copies whole.
 */
import { ChildProcess, spawn } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readManifests } from '../lib/dist';
import { ensureTool } from '../lib/tools';
import { kubeletValue, obscuredPasswords } from '../app/offsite-fetch';
import { SYSTEMS } from '../app/registry';
import { Check, REPO, exec, freePort, run, withTempDir } from './check';

/** The dump's content the server must never see in clear. */
const MARKER = 'KNOWN-ROW-VALUE-4242-plaintext';

interface Job {
  readonly image: string;
  readonly env: Record<string, string>;
  readonly upload: string;
  readonly check: string;
  readonly database: string;
}

/** The offsite container of a prod backup CronJob and the check CronJob's script. */
function jobOf(system: string): Job {
  const objects = readManifests(path.join(REPO, 'dist', 'prod', system));
  const containerOf = (name: string) => {
    for (const cron of objects.filter((o) => o.kind === 'CronJob')) {
      const found = cron.spec.jobTemplate.spec.template.spec.containers.find((c: any) => c.name === name);
      if (found) return found;
    }
    throw new Error(`dist/prod/${system} has no CronJob container "${name}": is the off-node copy on in config/prod.yaml?`);
  };
  const offsite = containerOf('offsite');
  const env = Object.fromEntries(offsite.env.filter((e: any) => e.value !== undefined).map((e: any) => [e.name, kubeletValue(e.value)]));
  return { image: offsite.image, env, upload: offsite.command[2], check: containerOf('check').command[2], database: env.PGDATABASE };
}

/** A dump as pg_dump's custom format starts, holding the marker. */
function dumpBytes(seed: string): Buffer {
  return Buffer.concat([Buffer.from(`PGDMP\u0001\u000e\u0000 ${MARKER} ${seed} `), randomBytes(4096)]);
}

const dumpName = (database: string, day: Date) => `${database}-${day.toISOString().slice(0, 10).replace(/-/g, '')}T033000Z.dump`;

/** The GFS retention computed independently: the names kept out of `names` (newest first). */
export function expectedKept(names: string[], keep: { daily: number; weekly: number; monthly: number }): string[] {
  const seen = { day: new Set<string>(), week: new Set<number>(), month: new Set<string>() };
  return names.filter((name) => {
    const ymd = /([0-9]{8})T/.exec(name)![1];
    const date = Date.UTC(+ymd.slice(0, 4), +ymd.slice(4, 6) - 1, +ymd.slice(6, 8));
    const week = Math.floor((date / 86400000 + 3) / 7); // 1970-01-01 was a Thursday: weeks start on Monday
    let kept = false;
    if (!seen.day.has(ymd) && seen.day.size < keep.daily) kept = !!seen.day.add(ymd);
    if (!seen.week.has(week) && seen.week.size < keep.weekly) kept = !!seen.week.add(week);
    if (!seen.month.has(ymd.slice(0, 6)) && seen.month.size < keep.monthly) kept = !!seen.month.add(ymd.slice(0, 6));
    return kept;
  });
}

export interface Server {
  readonly root: string;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/** An rclone server on 127.0.0.1 over a new folder of dir holding the bucket pi-backups; S3 takes the access keys given. */
export async function startServer(
  rclone: string,
  kind: 's3' | 'sftp',
  dir: string,
  keys = { accessKeyId: 'verifyaccess', secretAccessKey: 'verifysecret' },
): Promise<Server> {
  const root = path.join(dir, `${kind}-root`);
  fs.mkdirSync(path.join(root, 'pi-backups'), { recursive: true });
  const port = await freePort();
  let args: string[];
  let env: Record<string, string>;
  if (kind === 's3') {
    args = ['serve', 's3', '--auth-key', `${keys.accessKeyId},${keys.secretAccessKey}`, '--addr', `127.0.0.1:${port}`, root];
    env = {
      RCLONE_CONFIG_TARGET_ENDPOINT: `http://127.0.0.1:${port}`,
      RCLONE_CONFIG_TARGET_ACCESS_KEY_ID: keys.accessKeyId,
      RCLONE_CONFIG_TARGET_SECRET_ACCESS_KEY: keys.secretAccessKey,
    };
  } else {
    const key = path.join(dir, 'hostkey');
    if (!fs.existsSync(key)) await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const publicKey = fs.readFileSync(`${key}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    args = ['serve', 'sftp', '--user', 'backup', '--pass', 'verify-sftp-pass', '--key', key, '--addr', `127.0.0.1:${port}`, root];
    env = {
      RCLONE_CONFIG_TARGET_HOST: '127.0.0.1',
      RCLONE_CONFIG_TARGET_PORT: String(port),
      KNOWN_HOSTS: `[127.0.0.1]:${port} ${publicKey}`,
      TARGET_PASSWORD: 'verify-sftp-pass',
    };
  }
  const child: ChildProcess = spawn(rclone, ['--config', '/dev/null', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  for (let i = 0; i < 100 && !/Starting s3 server|listening on/.test(log); i++) await new Promise((r) => setTimeout(r, 100));
  if (!/Starting s3 server|listening on/.test(log)) throw new Error(`rclone serve ${kind} did not start: ${log}`);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  return { root, env, stop };
}

/** Every file under the server's folder, as bytes. */
function stored(root: string): Map<string, Buffer> {
  const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(root, f)).isFile());
  return new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f))]));
}

interface Counts {
  uploads: number;
  pruned: number;
  checks: number;
  refusals: number;
}

async function verifyTarget(rclone: string, job: Job, kind: 's3' | 'sftp', dir: string, counts: Counts): Promise<string[]> {
  const problems: string[] = [];
  const backups = path.join(dir, `${kind}-backups`);
  const scratch = path.join(dir, `${kind}-tmp`);
  let server = await startServer(rclone, kind, dir);
  const secrets = madeUpSecrets();
  const environment = (extra: Record<string, string> = {}) => ({
    ...rcloneEnvironment(rclone, job, kind, server, scratch, backups, secrets),
    ...extra,
  });
  const sh = (text: string, extra?: Record<string, string>) => runScript(text, scratch, environment(extra), dir);
  try {
    fs.mkdirSync(scratch, { recursive: true });
    fs.mkdirSync(backups);
    const keep = { daily: +job.env.KEEP_DAILY, weekly: +job.env.KEEP_WEEKLY, monthly: +job.env.KEEP_MONTHLY };
    // 60 nights: each leaves its dump on the volume (the newest only, as the pod sees it), then the step runs.
    const uploaded = new Map<string, Buffer>();
    const first = new Date(Date.UTC(2026, 0, 5));
    for (let night = 0; night < 60; night++) {
      const name = dumpName(job.database, new Date(first.getTime() + night * 86400000));
      for (const old of fs.readdirSync(backups)) fs.rmSync(path.join(backups, old));
      const bytes = dumpBytes(name);
      fs.writeFileSync(path.join(backups, name), bytes);
      uploaded.set(name, bytes);
      const r = await sh(job.upload);
      if (r.code !== 0) {
        problems.push(`night ${night}: the offsite step failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        return problems;
      }
      counts.uploads++;
      counts.pruned += (r.stdout.match(/^pruned /gm) ?? []).length;
    }
    // No plaintext on the server: neither the marker nor the database's name in any file or file name.
    const files = stored(server.root);
    // The crypt remote's own folder (<bucket>/<path>/<database>) is named in clear; what is below it is not.
    const base = (targetEnv(kind, job.env).RCLONE_CONFIG_OFFSITE_REMOTE ?? job.env.RCLONE_CONFIG_OFFSITE_REMOTE).replace(/^target:/, '');
    for (const [name, bytes] of files) {
      if (bytes.includes(MARKER) || bytes.includes('PGDMP')) problems.push(`${kind}: ${name} holds the dump in clear`);
      const below = name.startsWith(`${base}/`) ? name.slice(base.length + 1) : name;
      if (below.includes(job.database) || below.includes('.dump')) problems.push(`${kind}: the file name ${name} shows the dump's name`);
    }
    // rclone run directly (as npm run restore would) takes the passwords obscured, as the scripts make them.
    const direct = environment(await obscuredPasswords(rclone, environment()));
    // Retention: exactly the newest of the last N days, weeks and months.
    const listing = await run(rclone, ['lsf', '--files-only', 'offsite:'], { env: direct });
    const remote = listing.stdout.trim().split('\n').filter(Boolean).sort().reverse();
    const expected = expectedKept([...uploaded.keys()].sort().reverse(), keep);
    if (JSON.stringify(remote) !== JSON.stringify(expected)) {
      problems.push(
        `${kind}: the target keeps ${remote.length} dumps (${remote.slice(0, 4).join(', ')}…), not the ${expected.length} of the policy`,
      );
    }
    // A copy comes back byte for byte (what npm run restore fetches).
    const back = path.join(scratch, 'restored.dump');
    await exec(rclone, ['copyto', `offsite:${remote[0]}`, back], { env: direct });
    if (!fs.readFileSync(back).equals(uploaded.get(remote[0])!)) problems.push(`${kind}: ${remote[0]} does not come back byte for byte`);
    // The check passes; with a wrong repository password it fails; on a tampered copy it fails.
    const check = await sh(job.check);
    if (check.code !== 0)
      problems.push(`${kind}: the check failed on good copies: ${check.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    else counts.checks++;
    const wrong = await sh(job.check, { REPOSITORY_PASSWORD: 'not-the-password' });
    if (wrong.code === 0) problems.push(`${kind}: the check passed with a wrong repository password`);
    else counts.refusals++;
    // One flipped byte in every stored copy (their names are encrypted: which is the newest is not visible).
    const originals = stored(server.root);
    for (const [name, content] of originals) {
      const bytes = Buffer.from(content);
      bytes[bytes.length - 100] ^= 0xff;
      fs.writeFileSync(path.join(server.root, name), bytes);
    }
    const corrupt = await sh(job.check);
    for (const [name, content] of originals) fs.writeFileSync(path.join(server.root, name), content);
    if (corrupt.code === 0) problems.push(`${kind}: the check passed on a tampered copy`);
    else counts.refusals++;
    // The target dies mid-upload: the step fails, and the copies already there stay whole.
    const before = stored(server.root);
    for (const old of fs.readdirSync(backups)) fs.rmSync(path.join(backups, old));
    fs.writeFileSync(
      path.join(backups, dumpName(job.database, new Date(Date.UTC(2026, 2, 20)))),
      Buffer.concat([dumpBytes('big'), randomBytes(64 * 2 ** 20)]),
    );
    const dying = sh(job.upload, { RCLONE_BWLIMIT: '4M' });
    await new Promise((r) => setTimeout(r, 3000));
    await server.stop();
    const died = await dying;
    if (died.code === 0) problems.push(`${kind}: the offsite step succeeded although the target died mid-upload`);
    else counts.refusals++;
    server = await startServer(rclone, kind, dir); // the NAS back, on the same folder
    for (const [name, content] of before) {
      const now = path.join(server.root, name);
      if (!fs.existsSync(now) || !fs.readFileSync(now).equals(content))
        problems.push(`${kind}: ${name} changed when the target died mid-upload`);
    }
  } finally {
    await server.stop();
  }
  return problems;
}

/** The Secret's values, made up for the run. */
const madeUpSecrets = () => ({
  REPOSITORY_PASSWORD: randomBytes(32).toString('base64url'),
  REPOSITORY_SALT: randomBytes(32).toString('base64url'),
});

/** The container's settings, with the target pointed at the local server and the Secret's values made up here. */
function rcloneEnvironment(
  rclone: string,
  job: Job,
  kind: 's3' | 'sftp',
  server: Server,
  scratch: string,
  backups: string,
  secrets: Record<string, string>,
): Record<string, string> {
  return {
    PATH: `${path.dirname(rclone)}:${process.env.PATH}`,
    ...job.env,
    ...targetEnv(kind, job.env),
    ...server.env,
    HOME: scratch,
    RCLONE_CONFIG: path.join(scratch, 'rclone.conf'),
    RCLONE_CACHE_DIR: path.join(scratch, 'cache'),
    RCLONE_CONFIG_TARGET_KNOWN_HOSTS_FILE: path.join(scratch, 'known_hosts'),
    BACKUP_DIR: backups,
    ...secrets,
  };
}

/** A CronJob script run here: its scratch files under `scratch` instead of the pod's /tmp. */
function runScript(text: string, scratch: string, env: Record<string, string>, cwd: string) {
  return run('sh', ['-c', text.replace(/\/tmp\//g, `${scratch}/`)], { env, cwd });
}

/**
 * A real dump through the off-node copy and back, as a disaster would take it: uploaded by the
 * system's own backup step to an S3 server on 127.0.0.1, then fetched back with rclone into
 * `dir`. Returns the fetched file, or undefined when the system has no off-node copy in prod.
 */
export async function throughOffsite(system: string, dump: string, dir: string): Promise<string | undefined> {
  let job: Job;
  try {
    job = jobOf(system);
  } catch {
    return undefined;
  }
  const rclone = ensureTool('rclone', (line) => console.error(line));
  const [scratch, backups, fetched] = ['tmp', 'backups', 'fetched'].map((d) => path.join(dir, d));
  for (const d of [scratch, backups, fetched]) fs.mkdirSync(d, { recursive: true });
  fs.copyFileSync(dump, path.join(backups, path.basename(dump)));
  const server = await startServer(rclone, 's3', dir);
  try {
    const env = rcloneEnvironment(rclone, job, 's3', server, scratch, backups, madeUpSecrets());
    const upload = await runScript(job.upload, scratch, env, dir);
    if (upload.code !== 0) throw new Error(`the offsite step failed: ${upload.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    const direct = { ...env, ...(await obscuredPasswords(rclone, env)) };
    const back = path.join(fetched, path.basename(dump));
    await exec(rclone, ['copyto', `offsite:${path.basename(dump)}`, back], { env: direct });
    return back;
  } finally {
    await server.stop();
  }
}

/** The target's settings the CronJob takes from config, for the local server's kind. */
function targetEnv(kind: 's3' | 'sftp', env: Record<string, string>): Record<string, string> {
  if (kind === 's3' && env.RCLONE_CONFIG_TARGET_TYPE === 's3') return {};
  const remote = env.RCLONE_CONFIG_OFFSITE_REMOTE.replace(/^target:[^/]+\//, 'target:');
  return kind === 's3'
    ? { RCLONE_CONFIG_TARGET_TYPE: 's3', RCLONE_CONFIG_TARGET_PROVIDER: 'Minio', RCLONE_CONFIG_TARGET_FORCE_PATH_STYLE: 'true' }
    : {
        RCLONE_CONFIG_TARGET_TYPE: 'sftp',
        RCLONE_CONFIG_TARGET_USER: 'backup',
        RCLONE_CONFIG_TARGET_SHELL_TYPE: 'none',
        RCLONE_CONFIG_OFFSITE_REMOTE: remote,
      };
}

export const offsite: Check = {
  name: 'offsite',
  description:
    "the backup CronJob's off-node step and weekly check, run with the image's rclone against real S3 and SFTP servers on 127.0.0.1",
  run: () =>
    withTempDir('verify-offsite-', async (dir) => {
      const rclone = ensureTool('rclone', (line) => console.error(line));
      const version = (await exec(rclone, ['version'])).split('\n')[0];
      const counts: Counts = { uploads: 0, pruned: 0, checks: 0, refusals: 0 };
      const problems: string[] = [];
      // Every system's CronJob is the same construct: the first system's is run through the whole story.
      for (const system of SYSTEMS.map((s) => s.name).slice(0, 1)) {
        const job = jobOf(system);
        const tag = job.image.split(':').pop()!;
        if (!version.includes(`v${tag}`)) problems.push(`${system}: ${version} is not the image's rclone (${job.image})`);
        for (const kind of ['s3', 'sftp'] as const) {
          const where = path.join(dir, system);
          fs.mkdirSync(where, { recursive: true });
          problems.push(...(await verifyTarget(rclone, job, kind, where, counts)).map((p) => `${system}: ${p}`));
        }
      }
      if (problems.length > 0) throw new Error(problems.join('\n'));
      const sha = createHash('sha256').update(version).digest('hex').slice(0, 8);
      return (
        `${version} (${sha}): ${counts.uploads} nightly uploads to S3 and SFTP, encrypted (no plaintext on the servers), ` +
        `${counts.pruned} old copies pruned to the daily/weekly/monthly policy, ${counts.checks} checks passed, ` +
        `${counts.refusals} failures caught (wrong password, tampered copy, target dying mid-upload), earlier copies intact`
      );
    }),
};
