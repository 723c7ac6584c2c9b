/**
 * cdk8s app: reads config/<env>.yaml for every environment, builds the charts of every
 * system and writes dist/<env>/<system>/ atomically.
 *
 *   npm run synth [-- --env prod] [--config DIR] [--out DIR]
 *
 * With --env, only those environments are synthesized; the others keep their folders.
 * Bad input prints one message per problem, naming the file, the field and the fix,
 * exits 1 and leaves dist/ untouched.
 */
import * as path from 'path';
import { parseCommandLine } from './lib/cli';
import { ConfigError, listEnvironments, loadEnvironment } from './lib/config';
import { Tree, assertOwnedOutput, readTree, writeTreeAtomically } from './lib/dist';
import { assertValidOutput } from './lib/output-check';
import { assertSealed, readSealedStore, sealedStorePath } from './lib/sealing';
import { synthesizeArgoCd, synthesizeEnvironment, systemFiles } from './lib/synth';
import { SYSTEMS } from './charts/systems';

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
}

/** The whole dist/ tree for the chosen environments. */
export function buildTree({ configDir, sealedDir, environments = [], previous = new Map(), notify = () => {} }: BuildOptions): Tree {
  const all = listEnvironments(configDir);
  const chosen = environments.length > 0 ? environments : all;
  const tree: Tree = new Map();
  for (const env of chosen) {
    const config = loadEnvironment(configDir, env);
    const sealedFile = sealedStorePath(sealedDir, env);
    const sealed = config.secrets.mode === 'sealed' ? readSealedStore(sealedFile) : undefined;
    if (config.secrets.mode === 'sealed') assertSealed(SYSTEMS.flatMap((s) => s.secrets(config)), sealed, sealedFile, env);
    const { objects: systems, notices } = synthesizeEnvironment(config, sealed);
    for (const notice of notices) notify(`${env}: ${notice}`);
    const folders = new Map([...systems, ['argocd', synthesizeArgoCd(env, config, systems)]]);
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
export function synthCommand(args: string[], io: SynthIo): void {
  const { values } = parseCommandLine('npm run synth [-- --env <env>] [--config DIR] [--out DIR] [--sealed DIR]', {
    args,
    options: {
      env: { type: 'string', multiple: true, default: [] },
      config: { type: 'string', default: 'config' },
      out: { type: 'string', default: 'dist' },
      sealed: { type: 'string', default: 'sealed' },
    },
  });
  const outDir = values.out!;
  // Before anything is read or written: synth replaces only a folder it owns.
  assertOwnedOutput(outDir, '--out');
  if (io.cliOut) assertOwnedOutput(io.cliOut, 'the cdk8s CLI\'s output (cdk8s.yaml output:)');
  const tree = buildTree({
    configDir: values.config!,
    sealedDir: values.sealed!,
    environments: values.env,
    previous: readTree(outDir),
    notify: (notice) => io.notify(`note: ${notice}`),
  });
  writeTreeAtomically(outDir, tree);
  // Under `cdk8s synth`, also hand the manifests to the CLI's own (scratch) output folder.
  if (io.cliOut && path.resolve(io.cliOut) !== path.resolve(outDir)) writeTreeAtomically(io.cliOut, tree, 'the cdk8s CLI\'s output');
  const systems = new Set([...tree.keys()].map((f) => path.dirname(f)));
  io.log(`synthesized ${tree.size} files into ${[...systems].map((s) => path.join(outDir, s)).join(', ')}`);
}

if (require.main === module) {
  try {
    synthCommand(process.argv.slice(2), { cliOut: process.env.CDK8S_OUTDIR, log: console.log, notify: console.error });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    console.error(`synth failed: ${(error as Error).message}`);
    process.exit(2);
  }
}
