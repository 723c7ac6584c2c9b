/**
 * The files of config/: one <env>.yaml per environment, read as plain data. An environment's
 * name is a name (it becomes a file and a dist/ folder name), never a path.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ConfigError, show } from './errors';

/** An environment's name: the file name of config/<env>.yaml, also a folder of dist/. */
const ENV_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The largest config file read: a bigger one is a mistake (or an attack), not a configuration. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** The environments that have a config/<env>.yaml, sorted. */
export function listEnvironments(configDir: string): string[] {
  const stat = fs.statSync(configDir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    throw new ConfigError(
      `--config ${configDir}: ${stat ? 'is not a folder' : 'no such folder'}: ` +
        'give the folder that holds <env>.yaml files (config by default)',
    );
  }
  return fs
    .readdirSync(configDir)
    .filter((f) => f.endsWith('.yaml') && fs.statSync(path.join(configDir, f), { throwIfNoEntry: false })?.isFile())
    .map((f) => f.slice(0, -'.yaml'.length))
    .filter((env) => ENV_NAME.test(env))
    .sort();
}

/** Refuses an environment name that is not one (a path, "..", a newline): it becomes a file and folder name. */
export function assertEnvironmentName(env: string, configDir: string): void {
  if (ENV_NAME.test(env)) return;
  const known = listEnvironments(configDir).join(', ');
  throw new ConfigError(
    `environment ${show(env)}: not an environment name (lower-case letters, digits and "-", such as "prod"): use one of: ${known}`,
  );
}

/** The parsed YAML of config/<env>.yaml, checked to be a readable file of sane size; validated by the caller. */
export function readConfigFile(configDir: string, env: string): { file: string; raw: unknown } {
  assertEnvironmentName(env, configDir);
  const file = path.join(configDir, `${env}.yaml`);
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) {
    const known = listEnvironments(configDir).join(', ');
    throw new ConfigError(`unknown environment "${env}": there is no ${file}; use one of: ${known}, or create ${file}`);
  }
  if (stat.isDirectory()) throw new ConfigError(`${file}: is a folder, not a file: the configuration of ${env} is a YAML file there`);
  return { file, raw: readYamlFile(file) };
}

/**
 * The YAML of a file as plain data: a readable plain file of at most 1 MiB, merge keys (<<)
 * allowed, alias bombs refused. Every failure is a ConfigError naming the file.
 */
export function readYamlFile(file: string): unknown {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw new ConfigError(`${file}: ${stat ? 'is not a regular file' : 'no such file'}: it should be a YAML file`);
  if (stat.size > MAX_CONFIG_BYTES)
    throw new ConfigError(`${file}: ${stat.size} bytes, more than the 1 MiB it may be: remove what does not belong there`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code}): check its permissions`);
  }
  const doc = YAML.parseDocument(text, { merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(`${file}: not valid YAML: ${doc.errors[0].message}`);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(`${file}: not usable YAML: ${(error as Error).message}: write the values out instead of through so many aliases`);
  }
}
