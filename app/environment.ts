/**
 * The configuration of one environment (config/<env>.yaml): the cluster, how Secrets reach
 * it, Argo CD, and one section per registered system, assembled from the registry. Every
 * field has a default, so an empty file synthesizes; the same schema is written to
 * config/schema.json for editors.
 */
import { z } from 'zod';
import { ClusterConfig, clusterSchema } from '../charts/constructs/cluster-config';
import { SystemDefinition } from '../charts/system';
import { readConfigFile } from '../lib/config-file';
import { dnsLabel, parseWith } from '../lib/schema';
import { RegisteredSystem, SYSTEMS } from './registry';

/** How Secrets reach the cluster: created out of band (`npm run secrets`), or as SealedSecrets in dist/. */
const secretsSchema = z.strictObject({
  mode: z.enum(['external', 'sealed']).default('external'),
  /** The sealed-secrets controller, where kubeseal --fetch-cert finds it. */
  controller: z
    .strictObject({ name: dnsLabel.default('sealed-secrets-controller'), namespace: dnsLabel.default('kube-system') })
    .prefault({}),
});

/** The Argo CD that syncs this repository's dist/<env>/ into the cluster. */
const argocdSchema = z.strictObject({
  namespace: dnsLabel.default('argocd'),
  /** This repository, as Argo CD clones it. */
  repoURL: z
    .string()
    .refine(
      (url) => !/[?#]/.test(url),
      'must not have a query or fragment (a token there is copied into dist/ in git): ' +
        'write the plain clone URL, and give Argo CD credentials as a repository Secret',
    )
    .refine((url) => !/^[a-z+]+:\/\/[^/@\s]*@/.test(url) || /^ssh:\/\/[\w.-]+@/.test(url), {
      error:
        'must not hold a user name, password or token (it is copied into dist/ in git): ' +
        'give Argo CD the credentials as a repository Secret (label argocd.argoproj.io/secret-type: repository) ' +
        'and write the URL without them',
    })
    .regex(
      /^(https?:\/\/[^\s/]+\/\S+|ssh:\/\/\S+|[\w.-]+@[\w.-]+:\S+)$/,
      'must be the URL Argo CD clones this repository from: ' +
        '"https://git.home.arpa/homelab/pi-gitops.git" or "git@git.home.arpa:homelab/pi-gitops.git"',
    )
    .default('https://git.home.arpa/homelab/pi-gitops.git'),
  targetRevision: z
    .string()
    .regex(
      /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
      'must be a branch, tag or commit without "/" (it is also a label value), such as "main"',
    )
    .default('main'),
  /** Where dist/ sits in that repository: "dist" here, "" when only dist/ is pushed to a GitOps repo. */
  distPath: z
    .string()
    .regex(/^([A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*)?$/, 'must be a relative folder such as "dist", or "" for the repository root')
    .refine(
      (p) => !p.split('/').some((part) => part === '.' || part === '..'),
      'must stay inside the repository: no "." or ".." parts (such as "dist" or "gitops/dist")',
    )
    .default('dist'),
  /** The AppProject of the system Applications ("default" is Argo CD's own, unrestricted). */
  project: dnsLabel
    .refine(
      (p) => p !== 'default',
      'must not be "default": that is Argo CD\'s built-in, unrestricted project, which this would overwrite; keep "pi-gitops"',
    )
    .default('pi-gitops'),
});
export type ArgoCdConfig = z.output<typeof argocdSchema>;

export type SecretsConfig = z.output<typeof secretsSchema>;

/** What every environment has besides its systems. */
export interface SharedConfig {
  readonly cluster: ClusterConfig;
  readonly secrets: SecretsConfig;
  readonly argocd: ArgoCdConfig;
}

/** An environment's configuration for any list of systems: their sections by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each section is typed by its system's schema (sectionOf)
export type AnyEnvironmentConfig = SharedConfig & Readonly<Record<string, any>>;

/** The configuration of the registered systems, each section typed. */
export type EnvironmentConfig = SharedConfig & { readonly [S in RegisteredSystem as S['name']]: z.output<S['schema']> };

/** The section of a system in an environment's configuration. */
export function sectionOf<C>(config: AnyEnvironmentConfig, system: SystemDefinition<string, C>): C {
  return config[system.name] as C;
}

/**
 * The schema of an environment with these systems: the shared sections, one section per
 * system, and the rules across them (namespaces one each and none reserved, hosts unique).
 */
export function environmentSchema(systems: readonly SystemDefinition[] = SYSTEMS) {
  const sections = z.strictObject({
    cluster: clusterSchema.prefault({}),
    secrets: secretsSchema.prefault({}),
    argocd: argocdSchema.prefault({}),
    ...Object.fromEntries(systems.map((s) => [s.name, s.schema.prefault({})])),
  });
  return sections.superRefine((env, ctx) => {
    const shared = env as unknown as SharedConfig;
    const reserved = new Map([
      ['default', "Kubernetes' default namespace"],
      [shared.argocd.namespace, "Argo CD's namespace (argocd.namespace)"],
      [shared.secrets.controller.namespace, "the sealed-secrets controller's namespace (secrets.controller.namespace)"],
      [shared.cluster.traefik.namespace, "Traefik's namespace (cluster.traefik.namespace)"],
      [shared.cluster.dns.namespace, "the cluster DNS's namespace (cluster.dns.namespace)"],
    ]);
    const owners = new Map<string, string>();
    const hosts = new Map<string, string>();
    for (const system of systems) {
      const section = (env as Record<string, unknown>)[system.name];
      const namespace = system.namespace(section);
      const at = [system.name, 'namespace'];
      const problem = namespace.startsWith('kube-') ? 'a Kubernetes system namespace (kube-*)' : reserved.get(namespace);
      const taken = owners.get(namespace);
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          path: at,
          message:
            `"${namespace}" is ${problem}: its default-deny policies would cut off what runs there; ` +
            `give ${system.name} its own namespace`,
        });
      } else if (taken) {
        ctx.addIssue({ code: 'custom', path: at, message: `"${namespace}" is ${taken}'s namespace too: give each system its own` });
      }
      owners.set(namespace, system.name);
      for (const [field, host] of system.ingressHosts(section)) {
        if (hosts.has(host))
          ctx.addIssue({
            code: 'custom',
            path: [system.name, ...field],
            message: `host "${host}" is already served by ${hosts.get(host)}: give each its own host`,
          });
        hosts.set(host, [system.name, ...field].join('.'));
      }
    }
  });
}

/** Validates an already-parsed configuration; `source` names it in error messages. */
export function parseEnvironment(raw: unknown, source: string): EnvironmentConfig;
export function parseEnvironment(raw: unknown, source: string, systems: readonly SystemDefinition[]): AnyEnvironmentConfig;
export function parseEnvironment(raw: unknown, source: string, systems: readonly SystemDefinition[] = SYSTEMS): AnyEnvironmentConfig {
  return parseWith(environmentSchema(systems), raw, source) as AnyEnvironmentConfig;
}

/** Reads and validates config/<env>.yaml. */
export function loadEnvironment(configDir: string, env: string): EnvironmentConfig;
export function loadEnvironment(configDir: string, env: string, systems: readonly SystemDefinition[]): AnyEnvironmentConfig;
export function loadEnvironment(configDir: string, env: string, systems: readonly SystemDefinition[] = SYSTEMS): AnyEnvironmentConfig {
  const { file, raw } = readConfigFile(configDir, env);
  return parseEnvironment(raw, file, systems);
}

/** The JSON schema of a config file, for editors (yaml-language-server). */
export function configJsonSchema(): object {
  return z.toJSONSchema(environmentSchema(), { io: 'input', unrepresentable: 'any' });
}
