/**
 * npm run bench [-- --runs 7]
 *
 * Prints the median wall time of a full synth (every environment and system, into a
 * temporary folder) beside the median of the bare `cdk8s --version`, and their ratio.
 * The target: a synth costs at most 1.5 times the CLI's own start.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';

function medianSeconds(runs: number, file: string, args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(file, args, { stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dist-'));
try {
  const synth = medianSeconds(runs, process.execPath, ['--import', 'tsx', 'main.ts', '--out', out]);
  const cli = medianSeconds(runs, process.execPath, [path.join('node_modules', 'cdk8s-cli', 'bin', 'cdk8s'), '--version']);
  const files = fs.readdirSync(out, { recursive: true }).length;
  console.log(`full synth (${files} paths):  median ${synth.toFixed(3)} s over ${runs} runs`);
  console.log(`cdk8s --version:          median ${cli.toFixed(3)} s over ${runs} runs`);
  console.log(`ratio synth / cli start:  ${(synth / cli).toFixed(2)} (target <= 1.50)`);
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
