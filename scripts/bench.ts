/**
 * npm run bench [-- --runs 7]
 *
 * Prints, in one run (figures only: nothing is asserted):
 *  - the median wall time of the real `cdk8s synth` (cdk8s.yaml's app: scripts/run-built.js, then
 *    build/synth.js) beside the median of the bare `cdk8s --version`, run in turns in a scratch copy
 *    of cdk8s.yaml, config/, sealed/ and dist/, and their ratio against the target (at most 1.30); the same
 *    with dist/ out of date (a hand edit undone each run), which rewrites it; and two floors: `cdk8s synth`
 *    of an app that does nothing (the CLI's own cost of running an app), and of an app that only loads
 *    cdk8s and cdk8s-plus-28's Kubernetes classes the way build/synth.js is loaded, makes one object and
 *    copies dist/'s files into the CLI's folder (what any app on this stack pays before synthesizing);
 *  - the app alone: build/synth.js compiled from scratch, through scripts/run-built.js (its freshness check
 *    and V8 code cache, build/synth.cache), and under tsx;
 *  - the in-process synth (buildTree, nothing written) of 1, 10 and 50 made-up systems: linear growth.
 * Its scratch lives in one folder under the system's temporary folder, removed at the end.
 */
import { SpawnSyncOptions, spawnSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { madeUpSystem } from '../__tests__/support/made-up-system';
import { buildTree } from '../app/synth';
import { parseCommandLine, runCli } from '../lib/cli';
import { listEnvironments } from '../lib/config-file';
import { ConfigError, show } from '../lib/errors';
import { KUSTOMIZATION } from '../lib/manifests';

const REPO = path.resolve(__dirname, '..');
const CLI = path.join(REPO, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
const TARGET = 1.3;
const SYSTEM_COUNTS = [1, 10, 50];
const GROWTH_RUNS = 3;
const USAGE = 'npm run bench [-- --runs N]';

interface Command {
  readonly label: string;
  readonly args: string[];
  readonly cwd: string;
  /** Run, untimed, before each timed run. */
  readonly prepare?: () => void;
}

/** Runs a command to its end; a failure is an error with what it printed (the bench measures only working commands). */
function run(command: Command, stdio: SpawnSyncOptions['stdio'] = 'ignore'): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command.args, { cwd: command.cwd, stdio, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    const said = [result.error?.message, result.stderr, result.stdout].filter(Boolean).join('\n').trim();
    throw new Error(`${command.label} failed (exit ${result.status ?? result.signal}) in ${command.cwd}${said ? `:\n${said}` : ''}`);
  }
  return seconds;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The median of each command over `runs` runs taken in turns (so a busy moment slows all alike), after one untimed run each. */
function medians(commands: Command[], runs: number): number[] {
  for (const command of commands) run(command, 'pipe'); // warm-up: bundles build/ if stale, fills the disk cache
  const times = commands.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    commands.forEach((command, c) => {
      command.prepare?.();
      times[c].push(run(command));
    });
  }
  return times.map(median);
}

/**
 * The floor app in `dir`: cdk8s and cdk8s-plus-28's k8s module bundled by esbuild and run with a V8 code
 * cache by scripts/run-built.js's runCached, as build/synth.js is; it makes one object and copies `files`.
 */
function floorApp(dir: string, files: string): void {
  const entry = [
    "const { App, Chart } = require('cdk8s');",
    "const k8s = require('cdk8s-plus-28/lib/imports/k8s');",
    "const chart = new Chart(new App({ outdir: '/nonexistent' }), 'floor');",
    "new k8s.KubeNamespace(chart, 'namespace', { metadata: { name: 'floor' } });",
    "if (chart.toJson().length !== 1) throw new Error('the floor app made no object');",
    `require('fs').cpSync(${JSON.stringify(files)}, process.env.CDK8S_OUTDIR, { recursive: true });`,
  ].join('\n');
  const bundle = path.join(dir, 'app.js');
  esbuild.buildSync({
    stdin: { contents: entry, resolveDir: REPO, sourcefile: 'floor.js' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    outfile: bundle,
    logLevel: 'error',
  });
  const runBuilt = JSON.stringify(path.join(REPO, 'scripts', 'run-built.js'));
  const runner = `require(${runBuilt}).runCached(${JSON.stringify(bundle)}, ${JSON.stringify(`${bundle}.cache`)});\n`;
  fs.writeFileSync(path.join(dir, 'run.js'), runner);
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), 'app: node run.js\noutput: .cdk8s.out\n');
}

/** The median seconds of an in-process synth of `count` made-up systems. */
function growth(scratch: string, runs: number): Array<{ systems: number; seconds: number }> {
  const config = path.join(scratch, 'growth-config');
  const sealed = path.join(scratch, 'growth-sealed');
  fs.mkdirSync(config);
  fs.mkdirSync(sealed);
  fs.writeFileSync(path.join(config, 'bench.yaml'), '{}\n'); // every field at its default
  const root = path.join(scratch, 'growth-systems');
  const all = Array.from({ length: Math.max(...SYSTEM_COUNTS) }, (_, i) => madeUpSystem(`sys-${String(i + 1).padStart(2, '0')}`, root));
  buildTree({ configDir: config, sealedDir: sealed, systems: all.slice(0, 1) }); // warm-up: the code compiled once
  return SYSTEM_COUNTS.map((count) => {
    const times = Array.from({ length: runs }, () => {
      const start = process.hrtime.bigint();
      buildTree({ configDir: config, sealedDir: sealed, systems: all.slice(0, count) });
      return Number(process.hrtime.bigint() - start) / 1e9;
    });
    return { systems: count, seconds: median(times) };
  });
}

function main(): void {
  const { values } = parseCommandLine(USAGE, { options: { runs: { type: 'string', default: '7' } } });
  if (!/^\d{1,4}$/.test(values.runs) || Number(values.runs) < 1) {
    throw new ConfigError(`--runs ${show(values.runs)}: must be a whole number of runs from 1 to 9999, such as 7\nusage: ${USAGE}`);
  }
  const runs = Number(values.runs);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  try {
    // `cdk8s synth` as a user runs it, in a copy: the repository's dist/ and .cdk8s.out/ are not touched.
    const work = path.join(scratch, 'repo');
    fs.mkdirSync(work);
    for (const item of ['cdk8s.yaml', 'config', 'sealed', 'dist'])
      fs.cpSync(path.join(REPO, item), path.join(work, item), { recursive: true });
    // the launcher bundles and runs the repository's build/
    fs.symlinkSync(path.join(REPO, 'scripts'), path.join(work, 'scripts'), 'junction');
    // The floor: the same CLI command running an app that only makes the CLI's output folder.
    const noop = path.join(scratch, 'noop');
    fs.mkdirSync(noop);
    fs.writeFileSync(
      path.join(noop, 'cdk8s.yaml'),
      `app: node -e "require('fs').mkdirSync(process.env.CDK8S_OUTDIR)"\noutput: .cdk8s.out\n`,
    );
    const floorDir = path.join(scratch, 'floor');
    fs.mkdirSync(floorDir);
    floorApp(floorDir, path.join(REPO, 'dist'));
    // The same synth with dist/ out of date: a byte added to one of its files, which the synth must undo.
    const stale = path.join(scratch, 'stale');
    fs.cpSync(work, stale, { recursive: true, verbatimSymlinks: true });
    const edited = path.join(stale, 'dist', 'dev', 'argocd', KUSTOMIZATION);
    const [synth, version, noopSynth, staleSynth, floorSynth] = medians(
      [
        { label: 'cdk8s synth', args: [CLI, 'synth', '--no-check-upgrade'], cwd: work },
        { label: 'cdk8s --version', args: [CLI, '--version'], cwd: work },
        { label: 'cdk8s synth of a no-op app', args: [CLI, 'synth', '--no-check-upgrade'], cwd: noop },
        {
          label: 'cdk8s synth, dist/ out of date',
          args: [CLI, 'synth', '--no-check-upgrade'],
          cwd: stale,
          prepare: () => fs.appendFileSync(edited, '# a hand edit\n'),
        },
        { label: 'cdk8s synth of the floor app', args: [CLI, 'synth', '--no-check-upgrade'], cwd: floorDir },
      ],
      runs,
    );
    if (fs.readFileSync(edited, 'utf8').includes('# a hand edit')) throw new Error(`synth left ${edited} out of date`);
    const files = fs.readdirSync(path.join(work, '.cdk8s.out'), { recursive: true }).length;
    const environments = listEnvironments(path.join(work, 'config')).length;
    const ratio = synth / version;
    const out = (name: string) => ['--out', path.join(scratch, name)];
    const [app, launcher, tsx] = medians(
      [
        { label: 'node build/synth.js', args: [path.join('build', 'synth.js'), ...out('app')], cwd: REPO },
        { label: 'node scripts/run-built.js', args: [path.join('scripts', 'run-built.js'), ...out('launcher')], cwd: REPO },
        { label: 'node --import tsx main.ts', args: ['--import', 'tsx', 'main.ts', ...out('tsx')], cwd: REPO },
      ],
      runs,
    );
    const rows = growth(scratch, GROWTH_RUNS);

    const line = (label: string, seconds: number, note = '') =>
      console.log(`  ${label.padEnd(34)}${seconds.toFixed(3).padStart(7)} s${note}`);
    console.log(`cdk8s synth against the CLI's own start (median of ${runs} runs each, taken in turns):`);
    line(`cdk8s synth (${files} paths written)`, synth);
    line('cdk8s --version', version);
    console.log(
      `  ${'ratio synth / --version'.padEnd(34)}${ratio.toFixed(2).padStart(7)}` +
        `   target <= ${TARGET.toFixed(2)}: ${ratio <= TARGET ? 'met' : 'missed'}`,
    );
    line('cdk8s synth, dist/ out of date', staleSynth, `   (dist/ rewritten: ratio ${(staleSynth / version).toFixed(2)})`);
    line('cdk8s synth of a no-op app', noopSynth, `   (the CLI's own floor: ratio ${(noopSynth / version).toFixed(2)})`);
    line(
      'cdk8s synth of the floor app',
      floorSynth,
      `   (cdk8s loaded, one object, dist/ copied: ratio ${(floorSynth / version).toFixed(2)})`,
    );
    line('the target leaves the synth itself', TARGET * version - floorSynth, `   (${TARGET.toFixed(2)} x --version - the floor app)`);
    line('the synth itself takes', synth - floorSynth, `   (synth - the floor app: ${environments} environments read, checked, built)`);
    console.log(`the app alone, all environments into a scratch --out (median of ${runs} runs each):`);
    line('node build/synth.js', app, '   (the bundle alone, compiled from scratch)');
    line('node scripts/run-built.js', launcher, `   (cdk8s.yaml's app: the freshness check, then build/synth.js with its code cache)`);
    line('node --import tsx main.ts', tsx, '   (npm run synth)');
    console.log(`synth of N made-up systems in-process (buildTree, nothing written; median of ${GROWTH_RUNS} runs after a warm-up):`);
    console.log('  systems   seconds   seconds per system');
    for (const { systems, seconds } of rows) {
      console.log(`  ${String(systems).padStart(7)}${seconds.toFixed(3).padStart(10)}${(seconds / systems).toFixed(4).padStart(13)}`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

runCli(main);
