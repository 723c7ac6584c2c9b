/**
 * The house rules, read from the source: layers point one way (lib → charts/constructs →
 * charts → systems → app → main.ts and scripts/), no import cycle, and a system's name appears
 * in code outside its folder only in the registry.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SYSTEMS } from '../app/registry';
import { REPO } from './support/synth';

/** Every TypeScript source of the project (generated imports/ and the tests aside), relative to the repository. */
function sources(): string[] {
  const roots = ['main.ts', 'app', 'charts', 'lib', 'scripts', 'systems', 'verify'];
  return roots
    .flatMap((root) =>
      root.endsWith('.ts')
        ? [root]
        : fs.readdirSync(path.join(REPO, root), { recursive: true, encoding: 'utf8' }).map((f) => path.join(root, f)),
    )
    .filter((f) => f.endsWith('.ts'))
    .sort();
}

/** The project files a source imports (relative imports only), as repository paths without extension. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(REPO, file), 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)';$/gm)].map((m) => m[1]);
  return specifiers.map((s) => {
    const target = path.normalize(path.join(path.dirname(file), s));
    return fs.existsSync(path.join(REPO, target, 'index.ts')) ? path.join(target, 'index') : target;
  });
}

/** The layer of a file: what it may import is its own layer and those below. */
function layer(file: string): number {
  if (file.startsWith('lib/')) return 0;
  if (file.startsWith('imports/')) return 0;
  if (file.startsWith('charts/constructs/')) return 1;
  if (file.startsWith('charts/')) return 2;
  if (file.startsWith('systems/')) return 3;
  if (file.startsWith('app/')) return 4;
  return 5; // main.ts, scripts/, verify/
}

const FILES = sources();
const GRAPH = new Map(FILES.map((f) => [f.replace(/\.ts$/, ''), importsOf(f)]));

describe('layers', () => {
  test.each(FILES)('%s imports nothing from a layer above it', (file) => {
    // A system's fuzz.ts is verify code kept with the system: it may use verify's arbitraries.
    const allowed = (target: string) =>
      layer(target) <= layer(file) || (/^systems\/[^/]+\/fuzz\.ts$/.test(file) && target === 'verify/arbitraries');
    expect(GRAPH.get(file.replace(/\.ts$/, ''))!.filter((target) => !allowed(target))).toEqual([]);
  });

  test('nothing imports main.ts or scripts/ (CLIs only)', () => {
    const importers = [...GRAPH].filter(([, targets]) => targets.some((t) => t === 'main' || t.startsWith('scripts/')));
    expect(importers.map(([file]) => file)).toEqual([]);
  });

  test('no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, trail: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(node)), node].join(' → '));
        return;
      }
      state.set(node, 'open');
      for (const next of GRAPH.get(node) ?? []) visit(next, [...trail, node]);
      state.set(node, 'done');
    };
    for (const node of GRAPH.keys()) visit(node, []);
    expect(cycles).toEqual([]);
    expect(GRAPH.size).toBeGreaterThan(40);
  });

  test.each(SYSTEMS.map((s) => s.name))('%s is named in code outside its folder only in the registry', (name) => {
    const mentions = FILES.filter((f) => !f.startsWith(`systems/${name}/`) && f !== 'app/registry.ts').flatMap((file) => {
      const code = fs
        .readFileSync(path.join(REPO, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      return new RegExp(`\\b${name}\\b`, 'i').test(code) ? [file] : [];
    });
    expect(mentions).toEqual([]);
  });
});
