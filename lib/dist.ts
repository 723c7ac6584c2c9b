/**
 * Writes dist/ atomically: the whole tree is written beside it, then swapped in with two
 * renames, so a failed or interrupted synth leaves the previous dist/ as it was.
 *
 * synth owns its output folder and nothing else: it writes only into a folder that is
 * missing, empty, or marked as its own by the OUTPUT_MARKER file it wrote last time, which
 * lists every file it wrote. A file that is not on that list (a user's), a link or anything
 * but a plain file stops the write before anything is touched, instead of being deleted with
 * the old tree or followed out of it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ConfigError, show } from './errors';

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

const lstat = (p: string) => fs.lstatSync(p, { throwIfNoEntry: false });

/** The files a marked folder's marker lists, or undefined when the folder has no marker. */
function markedFiles(dir: string): Set<string> | undefined {
  const marker = path.join(dir, OUTPUT_MARKER);
  if (!lstat(marker)?.isFile()) return undefined;
  const lines = fs.readFileSync(marker, 'utf8').split('\n');
  return new Set(lines.filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('/').join(path.sep)));
}

/** Every path under `dir` but folders (never followed into a link), relative to it, with what it is. */
function entriesUnder(dir: string): Array<{ rel: string; plain: boolean }> {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return []; // an empty folder holds nothing to lose
    return [{ rel: path.relative(dir, path.join(e.parentPath, e.name)), plain: e.isFile() }];
  });
}

/** The nearest existing folder at or above `p`, with links resolved (so a link cannot hide where it is). */
function realAncestor(p: string): string {
  let dir = path.resolve(p);
  while (!fs.existsSync(dir) && dir !== path.dirname(dir)) dir = path.dirname(dir);
  return fs.realpathSync(dir);
}

/**
 * Refuses, before anything is written, an output folder synth does not own: an existing
 * file or link, a folder with files synth did not write, or a folder inside another output.
 * `flag` names where the path came from ("--out"). With `incoming` (the files about to be
 * written), a folder written before the marker existed is accepted only when it holds
 * nothing but files of that tree.
 */
export function assertOwnedOutput(outDir: string, flag: string, incoming?: ReadonlySet<string>): void {
  const where = `${flag} ${show(outDir)}`;
  const fix = 'choose a folder that is missing or empty, or the dist/ folder synth wrote';
  if (outDir.trim() === '') throw new ConfigError(`${where}: empty: give a folder, such as dist`);
  const resolved = path.resolve(outDir);
  const above = realAncestor(path.dirname(resolved));
  for (let dir = above; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (markedFiles(dir))
      throw new ConfigError(`${where}: is inside ${dir}, another synth output, whose next synth would delete it: ${fix}`);
  }
  const stat = lstat(resolved);
  if (!stat) return;
  if (stat.isSymbolicLink()) throw new ConfigError(`${where}: is a symbolic link; synth would replace it: ${fix}`);
  if (!stat.isDirectory()) throw new ConfigError(`${where}: is a file, not a folder; synth writes a folder there: ${fix}`);
  const top = fs.readdirSync(resolved);
  if (top.length === 0) return;
  const owned = markedFiles(resolved) ?? legacyOutput(resolved, top, incoming);
  if (!owned) {
    const some = top.sort().slice(0, 3).join(', ');
    throw new ConfigError(
      `${where}: holds files synth did not write (${some}${top.length > 3 ? ', …' : ''}) ` +
        `and no ${OUTPUT_MARKER}: ${fix}; nothing was written`,
    );
  }
  // A marked folder is synth's own, so walking all of it is bounded.
  const entries = entriesUnder(resolved);
  const links = entries.filter((e) => !e.plain).map((e) => path.join(outDir, e.rel));
  if (links.length > 0) {
    throw new ConfigError(
      `${where}: ${links.slice(0, 3).join(', ')} ${links.length > 1 ? 'are links or special files' : 'is a link or special file'}, ` +
        `which synth never writes: remove ${links.length > 1 ? 'them' : 'it'}, then synth again; nothing was written`,
    );
  }
  const foreign = entries.map((e) => e.rel).filter((e) => e !== OUTPUT_MARKER && !owned.has(e));
  if (foreign.length > 0) {
    const list = foreign
      .slice(0, 5)
      .map((f) => path.join(outDir, f))
      .join(', ');
    throw new ConfigError(
      `${where}: ${list}${foreign.length > 5 ? ` and ${foreign.length - 5} more` : ''} not written by synth: ` +
        `move ${foreign.length > 1 ? 'them' : 'it'} out of ${outDir} (synth replaces the whole folder), ` +
        'then synth again; nothing was written',
    );
  }
}

/**
 * The files of an output written before the marker existed: dist/<env>/<folder>/ holding only
 * a Kustomization and NN-kind-name.yaml files labelled managed-by cdk8s, and, once the tree to
 * write is known, only files of that tree (a user's copy of a manifest under a new name is not
 * synth's). Undefined for anything else.
 */
function legacyOutput(dir: string, top: string[], incoming?: ReadonlySet<string>): Set<string> | undefined {
  const isFolder = (p: string) => lstat(p)?.isDirectory() === true;
  if (!top.every((env) => /^[a-z0-9][-a-z0-9]*$/.test(env) && isFolder(path.join(dir, env)))) return undefined;
  const files: string[] = [];
  for (const env of top) {
    for (const folder of fs.readdirSync(path.join(dir, env))) {
      if (!isFolder(path.join(dir, env, folder))) return undefined;
      for (const file of fs.readdirSync(path.join(dir, env, folder))) {
        const rel = path.join(env, folder, file);
        const named =
          file === 'Kustomization' || (/^[0-9]{2}-[a-z]+-[-a-z0-9.]+\.yaml$/.test(file) && isManagedManifest(path.join(dir, rel)));
        if (!named || (incoming && !incoming.has(rel))) return undefined;
        files.push(rel);
      }
    }
  }
  return new Set(files);
}

function isManagedManifest(file: string): boolean {
  const stat = lstat(file);
  return stat?.isFile() === true && stat.size < 2 ** 20 && fs.readFileSync(file, 'utf8').includes('app.kubernetes.io/managed-by: cdk8s');
}

/** Staging folders of writes under way, removed if the process is interrupted. */
const staged = new Set<string>();
let cleanupInstalled = false;

function removeStagedOnSignal(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const dir of staged) fs.rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  }
}

/** The mode of the output folder: dist/ is for everyone to read. */
const OUTPUT_MODE = 0o755;

/** Every folder the files of `tree` sit in, each after the folder above it ("dev", "dev/argocd", …). */
function foldersOf(tree: Tree): Set<string> {
  return new Set(
    [...tree.keys()].flatMap((file) => {
      const parts = file.split(path.sep).slice(0, -1);
      return parts.map((_, i) => parts.slice(0, i + 1).join(path.sep));
    }),
  );
}

/**
 * Whether `dir` is exactly what writing `tree` would make: the same files byte for byte, no other folder,
 * and the output folder's mode. Anything unreadable counts as a difference.
 */
function holds(dir: string, tree: Tree): boolean {
  const folders = foldersOf(tree);
  try {
    if ((fs.statSync(dir).mode & 0o777) !== OUTPUT_MODE) return false;
    let files = 0;
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      const rel = path.relative(dir, path.join(entry.parentPath, entry.name));
      if (entry.isDirectory()) {
        if (!folders.has(rel)) return false;
        continue;
      }
      const content = tree.get(rel);
      if (content === undefined || !fs.readFileSync(path.join(dir, rel)).equals(Buffer.from(content))) return false;
      files++;
    }
    return files === tree.size;
  } catch {
    return false; // missing, or unreadable: written anew
  }
}

/**
 * Replaces `outDir` with exactly `tree` and its marker, after assertOwnedOutput; leaves it alone when it
 * already holds exactly that (a synth that changed nothing rewrites nothing).
 */
export function writeTreeAtomically(outDir: string, tree: Tree, flag = '--out'): void {
  assertOwnedOutput(outDir, flag, new Set(tree.keys()));
  const target = path.resolve(outDir);
  const marked = withMarker(tree);
  if (holds(target, marked)) return;
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  removeStagedOnSignal();
  const staging = fs.mkdtempSync(path.join(parent, `${path.basename(target)}.new-`));
  staged.add(staging);
  fs.chmodSync(staging, OUTPUT_MODE); // mkdtemp makes it 0700
  try {
    for (const folder of foldersOf(marked)) fs.mkdirSync(path.join(staging, folder));
    for (const [file, content] of marked) fs.writeFileSync(path.join(staging, file), content, { flag: 'wx' });
    const previous = fs.existsSync(target) ? staging.replace(/\.new-([^/]+)$/, '.old-$1') : undefined;
    if (previous) fs.renameSync(target, previous);
    try {
      fs.renameSync(staging, target);
    } catch (error) {
      if (previous) fs.renameSync(previous, target); // put the old tree back: dist/ is never missing
      throw error;
    }
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    staged.delete(staging);
  }
}

/** Every plain file under `dir`, relative to it, sorted; empty when it does not exist. Links are not followed. */
export function readTree(dir: string): Tree {
  const tree: Tree = new Map();
  if (!lstat(dir)?.isDirectory()) return tree;
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) tree.set(child, fs.readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  walk('');
  return tree;
}

/** The objects of a dist/ folder, one per *.yaml file, in file-name (apply) order, read as kubectl reads them (YAML 1.1). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML is untyped: its readers check what they use
export function readManifests(folder: string): any[] {
  return fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f): unknown => YAML.parse(fs.readFileSync(path.join(folder, f), 'utf8'), { version: '1.1' }));
}
