/**
 * Synth of every registered system: the charts of an environment built in memory, sealed
 * Secrets and sync waves added, checked against the API server's rules, then written to
 * dist/<env>/<system>/ atomically (`npm run synth`).
 */
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { SealedSecrets } from '../charts/constructs/sealed-secrets';
import { NOTICE } from '../charts/constructs/system-chart';
import { SystemDefinition } from '../charts/system';
import { confinedPath, parseCommandLine } from '../lib/cli';
import { ConfigError } from '../lib/errors';
import { listEnvironments } from '../lib/config-file';
import { Tree, assertOwnedOutput, readTree, writeTreeAtomically } from '../lib/dist';
import { KubeObject, systemFiles } from '../lib/manifests';
import { assertValidOutput } from '../lib/output-check';
import { SealedStore, assertSealed, readSealedStore, sealedStorePath } from '../lib/sealing';
import { SecretSpec } from '../lib/secrets';
import { ArgoCdChart, ArgoCdProjectsChart } from './argocd';
import { namespaceGuard } from './namespace-guard';
import { annotateSecretsHash } from './secrets-hash';
import { AnyEnvironmentConfig, loadEnvironment, sectionOf } from './environment';
import { SYSTEMS } from './registry';
import { applySyncWaves } from './sync-waves';

/** Every Secret the systems of an environment read. */
export function allSecrets(config: AnyEnvironmentConfig, systems: readonly SystemDefinition[] = SYSTEMS): SecretSpec[] {
  return systems.flatMap((s) => s.secrets(sectionOf(config, s)));
}

/**
 * The objects of each system chart of an environment, resolved and validated by cdk8s, and
 * the charts' notices. In sealed mode each system also gets its Secrets as SealedSecrets
 * from `sealed` (checked complete beforehand: see assertSealed).
 */
export function synthesizeEnvironment(
  config: AnyEnvironmentConfig,
  sealed?: SealedStore,
  systems: readonly SystemDefinition[] = SYSTEMS,
): { objects: Map<string, KubeObject[]>; notices: string[] } {
  const app = new App({ outdir: '/nonexistent' });
  const charts = new Map<string, Chart>(
    systems.map((s) => {
      const section: unknown = sectionOf(config, s);
      const chart = s.chart(app, config.cluster, section);
      if (config.secrets.mode === 'sealed')
        new SealedSecrets(chart, 'sealed-secrets', { specs: s.secrets(section), store: sealed ?? { certificate: '', secrets: {} } });
      applySyncWaves(chart);
      return [s.name, chart];
    }),
  );
  const constructs = app.node.findAll();
  const errors = constructs.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`construct validation failed:\n  ${errors.join('\n  ')}`);
  const notices = constructs.flatMap((c) => c.node.metadata.filter((m) => m.type === NOTICE).map((m) => String(m.data)));
  return {
    objects: new Map([...charts].map(([name, chart]) => [name, annotateSecretsHash(chart.toJson() as KubeObject[])])),
    notices,
  };
}

/** The objects of each system chart of an environment. */
export function synthesizeObjects(
  config: AnyEnvironmentConfig,
  sealed?: SealedStore,
  systems: readonly SystemDefinition[] = SYSTEMS,
): Map<string, KubeObject[]> {
  return synthesizeEnvironment(config, sealed, systems).objects;
}

/** The props of an environment's Argo CD charts: each system's namespace and the kinds its folder holds. */
function argoCdProps(env: string, config: AnyEnvironmentConfig, objects: Map<string, KubeObject[]>, systems: readonly SystemDefinition[]) {
  return {
    env,
    argocd: config.argocd,
    description: `${systems.map((s) => s.title).join(' and ')} (${env}), from ${config.argocd.repoURL}`,
    systems: [...objects].map(([name, list]) => ({
      name,
      namespace: list.find((o) => o.kind === 'Namespace')!.metadata.name,
      kinds: list.map((o) => ({ group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '', kind: o.kind })),
    })),
  };
}

/** The Argo CD folder of an environment: the Applications of its systems and the root app-of-apps. */
export function synthesizeArgoCd(
  env: string,
  config: AnyEnvironmentConfig,
  objects: Map<string, KubeObject[]>,
  systems: readonly SystemDefinition[] = SYSTEMS,
): KubeObject[] {
  const app = new App({ outdir: '/nonexistent' });
  return new ArgoCdChart(app, 'argocd', argoCdProps(env, config, objects, systems)).toJson() as KubeObject[];
}

/**
 * The bootstrap folder of an environment, what a cluster admin applies: the guard that keeps the systems'
 * Namespaces restricted, and the AppProjects.
 */
export function synthesizeBootstrap(
  env: string,
  config: AnyEnvironmentConfig,
  objects: Map<string, KubeObject[]>,
  systems: readonly SystemDefinition[] = SYSTEMS,
): KubeObject[] {
  const props = argoCdProps(env, config, objects, systems);
  const projects = new ArgoCdProjectsChart(new App({ outdir: '/nonexistent' }), 'bootstrap', props).toJson() as KubeObject[];
  return [
    ...namespaceGuard(
      config.argocd.project,
      props.systems.map((s) => s.namespace),
    ),
    ...projects,
  ];
}

export interface BuildOptions {
  readonly configDir: string;
  /** The sealed values of sealed-mode environments: <sealedDir>/<env>.yaml. */
  readonly sealedDir: string;
  /** Environments to synthesize; all when empty. */
  readonly environments?: string[];
  /** The current dist/ tree: the other environments' folders are kept from it. */
  readonly previous?: Tree;
  /** Where the charts' notices go. */
  readonly notify?: (notice: string) => void;
  /** The systems to synthesize. @default the registry's */
  readonly systems?: readonly SystemDefinition[];
}

/** The whole dist/ tree for the chosen environments. */
export function buildTree({
  configDir,
  sealedDir,
  environments = [],
  previous = new Map(),
  notify = () => {},
  systems = SYSTEMS,
}: BuildOptions): Tree {
  const all = listEnvironments(configDir);
  const chosen = environments.length > 0 ? environments : all;
  const tree: Tree = new Map();
  for (const env of chosen) {
    const config = loadEnvironment(configDir, env, systems);
    const sealedFile = sealedStorePath(sealedDir, env);
    const sealed = config.secrets.mode === 'sealed' ? readSealedStore(sealedFile) : undefined;
    if (config.secrets.mode === 'sealed')
      assertSealed(allSecrets(config, systems), sealed, sealedFile, env, path.join(configDir, `${env}.yaml`));
    const { objects, notices } = synthesizeEnvironment(config, sealed, systems);
    for (const notice of notices) notify(`${env}: ${notice}`);
    const folders = new Map([
      ...objects,
      ['argocd', synthesizeArgoCd(env, config, objects, systems)],
      ['bootstrap', synthesizeBootstrap(env, config, objects, systems)],
    ]);
    assertValidOutput([...folders.values()].flat(), config, path.join(configDir, `${env}.yaml`));
    for (const [folder, objects] of folders) {
      for (const [file, content] of systemFiles(objects)) tree.set(path.join(env, folder, file), content);
    }
  }
  for (const [file, content] of previous) {
    const env = file.split(path.sep)[0];
    if (!chosen.includes(env) && all.includes(env)) tree.set(file, content);
  }
  return new Map([...tree].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The environments whose bootstrap/ folder this tree changes. Argo CD never syncs that folder (a push must not
 * widen a project), so a change reaches the cluster only when an admin applies it: synth says so. A folder
 * not written yet is left to the README's bootstrap.
 */
function changedBootstraps(outDir: string, tree: Tree): string[] {
  const envs = [...new Set([...tree.keys()].map((file) => file.split(path.sep)[0]))];
  return envs.filter((env) => {
    const folder = path.join(env, 'bootstrap');
    const onDisk = readTree(path.join(outDir, folder));
    const now = [...tree].filter(([file]) => path.dirname(file) === folder);
    return onDisk.size > 0 && (now.length !== onDisk.size || now.some(([file, text]) => onDisk.get(path.basename(file)) !== text));
  });
}

export interface SynthIo {
  /** The CLI's own output folder under `cdk8s synth` (CDK8S_OUTDIR). */
  readonly cliOut?: string;
  readonly log: (line: string) => void;
  readonly notify: (notice: string) => void;
}

/**
 * `npm run synth` as a function of its arguments: throws ConfigError for bad input, before
 * anything is written. The fuzz suite calls it in-process.
 */
export function synthCommand(args: string[], io: SynthIo, systems: readonly SystemDefinition[] = SYSTEMS): void {
  const { values } = parseCommandLine('npm run synth [-- --env <env>] [--config DIR] [--out DIR] [--sealed DIR]', {
    args,
    options: {
      env: { type: 'string', multiple: true, default: [] },
      config: { type: 'string', default: 'config' },
      out: { type: 'string', default: 'dist' },
      sealed: { type: 'string', default: 'sealed' },
    },
  });
  // Before anything is read or written: synth replaces only a folder it owns, dist/ inside the repository.
  const outDir = confinedPath(values.out, '--out', 'dist');
  assertOwnedOutput(outDir, '--out');
  if (io.cliOut) {
    assertOwnedOutput(io.cliOut, "the cdk8s CLI's output (cdk8s.yaml output:)");
    const [a, b] = [path.resolve(outDir), path.resolve(io.cliOut)];
    if (a !== b && (a.startsWith(b + path.sep) || b.startsWith(a + path.sep))) {
      throw new ConfigError(
        `--out ${outDir} and the cdk8s CLI's output ${io.cliOut} are inside one another: give them separate folders; nothing was written`,
      );
    }
  }
  const tree = buildTree({
    configDir: values.config,
    sealedDir: values.sealed,
    environments: values.env,
    previous: values.env.length > 0 ? readTree(outDir) : undefined, // kept only for the environments not chosen
    notify: (notice) => io.notify(`note: ${notice}`),
    systems,
  });
  const bootstraps = changedBootstraps(outDir, tree);
  writeTreeAtomically(outDir, tree);
  for (const env of bootstraps) {
    const folder = path.join(outDir, env, 'bootstrap');
    io.notify(
      `note: ${env}: ${folder} changed (the AppProjects or the Namespace guard): a cluster admin applies it: kubectl apply -k ${folder}`,
    );
  }
  // Under `cdk8s synth`, also hand the manifests to the CLI's own (scratch) output folder.
  if (io.cliOut && path.resolve(io.cliOut) !== path.resolve(outDir)) writeTreeAtomically(io.cliOut, tree, "the cdk8s CLI's output");
  const folders = new Set([...tree.keys()].map((f) => path.dirname(f)));
  io.log(`synthesized ${tree.size} files into ${[...folders].map((f) => path.join(outDir, f)).join(', ')}`);
}
