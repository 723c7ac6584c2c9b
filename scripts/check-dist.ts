/**
 * npm run check:dist
 *
 * Synthesizes everything into a temporary folder and compares it with the committed dist/:
 * exits 1, naming the files, when they differ (a change not synthesized, or synthesized and
 * not committed).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTree, writeTreeAtomically } from '../lib/dist';
import { describeError } from '../lib/errors';
import { buildTree } from '../app/synth';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'check-dist-'));
try {
  writeTreeAtomically(path.join(scratch, 'dist'), buildTree({ configDir: 'config', sealedDir: 'sealed' }));
  const fresh = readTree(path.join(scratch, 'dist'));
  const committed = readTree('dist');
  const files = [...new Set([...fresh.keys(), ...committed.keys()])].sort();
  const differences = files.flatMap((f) => {
    if (!committed.has(f)) return [`missing from dist/: ${f}`];
    if (!fresh.has(f)) return [`in dist/ but no longer synthesized: ${f}`];
    return fresh.get(f) === committed.get(f) ? [] : [`differs: dist/${f}`];
  });
  if (differences.length > 0) {
    console.error(
      `dist/ is not what a fresh synth writes (${differences.length} file(s)):\n  ${differences.join('\n  ')}\n` +
        'Run npm run synth and commit dist/.',
    );
    process.exitCode = 1;
  } else {
    console.log(`dist/ matches a fresh synth: ${files.length} files compared`);
  }
} catch (error) {
  console.error(describeError(error));
  process.exitCode = 1; // not process.exit: the scratch folder is removed below first
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
