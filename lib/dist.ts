/**
 * Writes dist/ atomically: the whole tree is written beside it, then swapped in with two
 * renames, so a failed or interrupted synth leaves the previous dist/ as it was.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/** File path relative to dist/ → content. */
export type Tree = Map<string, string>;

/** Replaces `outDir` with exactly `tree`. */
export function writeTreeAtomically(outDir: string, tree: Tree): void {
  const parent = path.dirname(path.resolve(outDir));
  const base = path.basename(outDir);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `${base}.new-`));
  fs.chmodSync(staging, 0o755); // mkdtemp makes it 0700; dist/ is for everyone to read
  try {
    for (const [file, content] of tree) {
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

/** The objects of a dist/ folder, one per *.yaml file, in file-name (apply) order. */
export function readManifests(folder: string): any[] {
  return fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => YAML.parse(fs.readFileSync(path.join(folder, f), 'utf8')));
}
