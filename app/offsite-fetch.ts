/**
 * The off-node copies as `npm run restore -- <env> <system> --offsite` sees them: rclone run on
 * this machine with the backup CronJob's own settings (read from the synthesized objects) and the
 * Secret values from the env file, to list the copies and fetch one. The same remote, the same
 * encryption, the same release (the pinned rclone of lib/tools.ts, or $RCLONE).
 */
import { execFile } from 'child_process';
import { allSecrets } from './synth';
import { AnyEnvironmentConfig } from './environment';
import { isRealTime } from '../lib/cli';
import { ConfigError } from '../lib/errors';
import { KubeObject } from '../lib/manifests';
import { EnvValues, resolveSecretData } from '../lib/secrets';

/** The names the backup gives its dumps: <database>-YYYYMMDDTHHMMSSZ.dump. */
const DUMP = /^[a-z0-9_-]+-([0-9]{8}T[0-9]{6}Z)\.dump$/;

/** The rclone container of a system's backup CronJob ("offsite"), or a clear refusal when the off-node copy is off. */
function offsiteContainer(objects: KubeObject[], system: string): { env: Array<Record<string, any>> } {
  for (const cron of objects.filter((o) => o.kind === 'CronJob') as any[]) {
    const found = cron.spec.jobTemplate.spec.template.spec.containers.find((c: any) => c.name === 'offsite');
    if (found) return found;
  }
  throw new ConfigError(
    `${system} has no off-node copy in this environment: set postgres.backup.offsite in its config, or restore from a dump in the pod`,
  );
}

/**
 * The environment rclone needs: the container's plain values, and its Secret references
 * resolved from the env file. Passwords stay plain here: `obscure` turns them into what rclone reads.
 */
export function offsiteEnvironment(
  config: AnyEnvironmentConfig,
  objects: KubeObject[],
  system: string,
  values: EnvValues,
  envFile: string,
): Record<string, string> {
  const container = offsiteContainer(objects, system);
  const specs = allSecrets(config);
  const out: Record<string, string> = {};
  for (const e of container.env) {
    if (e.value !== undefined) {
      out[e.name] = kubeletValue(e.value);
      continue;
    }
    const ref = e.valueFrom?.secretKeyRef;
    const spec = specs.find((s) => s.name === ref?.name);
    const value = spec ? resolveSecretData(spec, values)[ref.key] : undefined;
    if (!value) throw new ConfigError(`${envFile}: no value for ${ref?.name}/${ref?.key} (${e.name}): run npm run secrets and fill it in`);
    out[e.name] = value;
  }
  return out;
}

/** An env value as the container sees it: the kubelet turns "$$" (how a configured "$" is written) into "$". */
export function kubeletValue(value: string): string {
  return value.replace(/\$\$/g, '$');
}

/** The dumps on the target, newest first. */
export function dumpsOf(listing: string): string[] {
  return listing
    .split('\n')
    .filter((l) => DUMP.test(l))
    .sort()
    .reverse();
}

/** --at as the dumps' own stamp (YYYYMMDDTHHMMSSZ), refused before anything is read when it is not a time. */
export function atStamp(at: string): string {
  const time = /^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/.test(at) && isRealTime(at) ? Date.parse(at) : NaN;
  if (Number.isNaN(time)) throw new ConfigError(`--at ${JSON.stringify(at)}: not a time: write one such as 2026-11-21T04:00:00Z`);
  return new Date(time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.[0-9]+Z$/, 'Z');
}

/** The dump to restore: the named one, the newest made at or before `at` (an atStamp), or the newest. */
export function chooseDump(dumps: string[], wanted?: string, at?: string): string {
  if (dumps.length === 0) throw new ConfigError('the target holds no dump of this database');
  if (wanted) {
    if (!dumps.includes(wanted)) {
      throw new ConfigError(`${wanted} is not on the target; it holds: ${dumps.slice(0, 5).join(', ')}${dumps.length > 5 ? ', …' : ''}`);
    }
    return wanted;
  }
  if (!at) return dumps[0];
  const found = dumps.find((d) => DUMP.exec(d)![1] <= at);
  if (!found) throw new ConfigError(`--at: the oldest dump on the target is ${dumps[dumps.length - 1]}: choose a later time`);
  return found;
}

/** Runs rclone with that environment; resolves with stdout, throws its stderr's last lines. */
export function rclone(binary: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error) reject(new ConfigError(`rclone ${args[0]} failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * The passwords of a CronJob's rclone settings in the form rclone reads them (rclone obscure),
 * as its shell prelude makes them in the pod: the crypt remote's two, and the SFTP user's when set.
 */
export async function obscuredPasswords(binary: string, settings: Record<string, string>): Promise<Record<string, string>> {
  const obscure = async (value: string) => (await rclone(binary, ['obscure', '--', value], {})).trim();
  return {
    RCLONE_CONFIG_OFFSITE_PASSWORD: await obscure(settings.REPOSITORY_PASSWORD),
    RCLONE_CONFIG_OFFSITE_PASSWORD2: await obscure(settings.REPOSITORY_SALT),
    ...(settings.TARGET_PASSWORD ? { RCLONE_CONFIG_TARGET_PASS: await obscure(settings.TARGET_PASSWORD) } : {}),
  };
}
