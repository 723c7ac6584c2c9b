/** Synthesizes environments in memory for the suites, from config files or from raw config. */
import * as path from 'path';
import { EnvironmentConfig, loadEnvironment, parseEnvironment, sectionOf } from '../../app/environment';
import { SYSTEMS } from '../../app/registry';
import { synthesizeObjects } from '../../app/synth';
import { listEnvironments } from '../../lib/config-file';
import { KubeObject } from '../../lib/manifests';
import { SecretSpec } from '../../lib/secrets';

export const REPO = path.resolve(__dirname, '..', '..');
export const CONFIG_DIR = path.join(REPO, 'config');
export const ENVIRONMENTS = listEnvironments(CONFIG_DIR);

export function loadConfig(env: string): EnvironmentConfig {
  return loadEnvironment(CONFIG_DIR, env);
}

/** Every object of a system in an environment of config/. */
export function objectsOf(env: string, system: string): KubeObject[] {
  return synthesizeObjects(loadConfig(env)).get(system)!;
}

/** Every object of a system for a raw configuration (defaults filled in). */
export function objectsFor(raw: unknown, system: string): KubeObject[] {
  return synthesizeObjects(parseEnvironment(raw, 'test')).get(system)!;
}

export function find(objects: KubeObject[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

/** Pod templates of the workloads (Deployments, StatefulSets, CronJobs). */
export function podTemplates(objects: KubeObject[]): Array<{ owner: KubeObject; template: any }> {
  return objects.flatMap((o: any) => {
    if (o.kind === 'Deployment' || o.kind === 'StatefulSet') return [{ owner: o, template: o.spec.template }];
    if (o.kind === 'CronJob') return [{ owner: o, template: o.spec.jobTemplate.spec.template }];
    return [];
  });
}

/** A container's environment: plain values, or the valueFrom of those taken from elsewhere. */
export function envOf(container: any): Record<string, any> {
  return Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** The `-c name=value` settings a postgres container starts with. */
export function settingsOf(container: any): Record<string, string> {
  const args: string[] = container.args;
  return Object.fromEntries(args.flatMap((a, i) => (args[i - 1] === '-c' ? [a.split('=') as [string, string]] : [])));
}

/** The Secrets a registered system reads in a configuration. */
export function secretsOf(config: EnvironmentConfig, system: string): SecretSpec[] {
  const definition = SYSTEMS.find((s) => s.name === system);
  if (!definition) throw new Error(`no system ${system}`);
  return definition.secrets(sectionOf(config, definition));
}

/**
 * Every (environment, system) of config/ whose Postgres is on the StatefulSet engine, chosen by the config (not by
 * the output, so a StatefulSet that went missing fails the suites instead of dropping out of them).
 */
export function statefulSetCases(): Array<readonly [string, string]> {
  return ENVIRONMENTS.flatMap((env) =>
    SYSTEMS.filter((s) => (sectionOf(loadConfig(env), s) as { postgres: { engine: string } }).postgres.engine === 'statefulset').map(
      (s) => [env, s.name] as const,
    ),
  );
}
