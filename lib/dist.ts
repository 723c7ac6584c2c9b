/**
 * Writes dist/ atomically: the whole tree is written beside it, then swapped in with two
 * renames, so a failed or interrupted synth leaves the previous dist/ as it was.
 *
 * synth owns its output folder and nothing else: it writes only into a folder that is
 * missing, empty, or marked as its own by the OUTPUT_MARKER file it wrote last time, which
 * lists every file it wrote. A file that is not on that list (a user's) stops the write
 * before anything is touched, instead of being deleted with the old tree.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ConfigError } from './errors';

/** File path relative to dist/ → content. */
export type Tree = Map<string, string>;

/** The file that marks a folder as synth's output, listing the files synth wrote there. */
export const OUTPUT_MARKER = '.synthesized';

const MARKER_HEADER = [
  '# Written by `npm run synth`: this folder is its output, and these are the files it wrote.',
  '# The next synth replaces exactly them; any other file here makes it stop instead.',
];

/** The tree with its marker: the list of its files. */
function withMarker(tree: Tree): Tree {
  const files = [...tree.keys()].filter((f) => f !== OUTPUT_MARKER).sort();
  return new Map([...tree, [OUTPUT_MARKER, [...MARKER_HEADER, ...files.map((f) => f.split(path.sep).join('/'))].join('\n') + '\n']]);
}

/** The files a marked folder's marker lists, or undefined when the folder has no marker. */
function markedFiles(dir: string): Set<string> | undefined {
  const marker = path.join(dir, OUTPUT_MARKER);
  if (!fs.existsSync(marker) || !fs.lstatSync(marker).isFile()) return undefined;
  const lines = fs.readFileSync(marker, 'utf8').split('\n');
  return new Set(lines.filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('/').join(path.sep)));
}

/** Every path under `dir` (files, links and empty folders), relative to it. */
function entriesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((e) => {
    const rel = path.relative(dir, path.join(e.parentPath, e.name));
    if (e.isDirectory()) return fs.readdirSync(path.join(dir, rel)).length === 0 ? [rel] : [];
    return [rel];
  });
}

/**
 * Refuses, before anything is written, an output folder synth does not own: an existing
 * file or link, a folder with files synth did not write, or a folder inside another output.
 * `flag` names where the path came from ("--out").
 */
export function assertOwnedOutput(outDir: string, flag: string): void {
  const where = `${flag} ${outDir}`;
  const fix = 'choose a folder that is missing or empty, or the dist/ folder synth wrote';
  for (let dir = path.dirname(path.resolve(outDir)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (markedFiles(dir)) throw new ConfigError(`${where}: is inside ${dir}, another synth output, whose next synth would delete it: ${fix}`);
  }
  if (!fs.existsSync(outDir) && !isLink(outDir)) return;
  const stat = fs.lstatSync(outDir);
  if (stat.isSymbolicLink()) throw new ConfigError(`${where}: is a symbolic link; synth would replace it: ${fix}`);
  if (!stat.isDirectory()) throw new ConfigError(`${where}: is a file, not a folder; synth writes a folder there: ${fix}`);
  const top = fs.readdirSync(outDir);
  if (top.length === 0) return;
  const owned = markedFiles(outDir) ?? legacyOutput(outDir, top);
  if (!owned) {
    const some = top.sort().slice(0, 3).join(', ');
    throw new ConfigError(`${where}: holds files synth did not write (${some}${top.length > 3 ? ', …' : ''}) and no ${OUTPUT_MARKER}: ${fix}; nothing was written`);
  }
  // A marked folder is synth's own, so walking all of it is bounded.
  const entries = entriesUnder(outDir);
  const foreign = entries.filter((e) => e !== OUTPUT_MARKER && !owned.has(e));
  if (foreign.length > 0) {
    const list = foreign.slice(0, 5).map((f) => path.join(outDir, f)).join(', ');
    throw new ConfigError(`${where}: ${list}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''} not written by synth: move ${foreign.length > 1 ? 'them' : 'it'} out of ${outDir} (synth replaces the whole folder), then synth again; nothing was written`);
  }
}

/**
 * The files of an output written before the marker existed (dist/<env>/<folder>/ holding only
 * a Kustomization and NN-kind-name.yaml files labelled managed-by cdk8s), so that upgrading
 * does not make the user's own dist/ "foreign"; undefined for anything else.
 */
function legacyOutput(dir: string, top: string[]): Set<string> | undefined {
  const isFolder = (p: string) => fs.lstatSync(p).isDirectory();
  if (!top.every((env) => /^[a-z0-9][-a-z0-9]*$/.test(env) && isFolder(path.join(dir, env)))) return undefined;
  const files: string[] = [];
  for (const env of top) {
    for (const folder of fs.readdirSync(path.join(dir, env))) {
      if (!isFolder(path.join(dir, env, folder))) return undefined;
      for (const file of fs.readdirSync(path.join(dir, env, folder))) {
        const rel = path.join(env, folder, file);
        const ours = file === 'Kustomization' || (/^[0-9]{2}-[a-z]+-[-a-z0-9.]+\.yaml$/.test(file) && isManagedManifest(path.join(dir, rel)));
        if (!ours) return undefined;
        files.push(rel);
      }
    }
  }
  return new Set(files);
}

function isManagedManifest(file: string): boolean {
  const stat = fs.lstatSync(file);
  return stat.isFile() && stat.size < 2 ** 20 && fs.readFileSync(file, 'utf8').includes('app.kubernetes.io/managed-by: cdk8s');
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Replaces `outDir` with exactly `tree` and its marker, after assertOwnedOutput. */
export function writeTreeAtomically(outDir: string, tree: Tree, flag = '--out'): void {
  assertOwnedOutput(outDir, flag);
  const parent = path.dirname(path.resolve(outDir));
  const base = path.basename(outDir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `${base}.new-`));
  fs.chmodSync(staging, 0o755); // mkdtemp makes it 0700; dist/ is for everyone to read
  try {
    for (const [file, content] of withMarker(tree)) {
      const target = path.join(staging, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    const previous = fs.existsSync(outDir) ? `${staging.replace('.new-', '.old-')}` : undefined;
    if (previous) fs.renameSync(outDir, previous);
    fs.renameSync(staging, outDir);
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Every file under `dir`, relative to it, sorted; empty when it does not exist. */
export function readTree(dir: string): Tree {
  const tree: Tree = new Map();
  if (!fs.existsSync(dir)) return tree;
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else tree.set(child, fs.readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  walk('');
  return tree;
}

/** The objects of a dist/ folder, one per *.yaml file, in file-name (apply) order, read as kubectl reads them (YAML 1.1). */
export function readManifests(folder: string): any[] {
  return fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => YAML.parse(fs.readFileSync(path.join(folder, f), 'utf8'), { version: '1.1' }));
}
