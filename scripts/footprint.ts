/**
 * npm run footprint [-- <env>...]
 *
 * Prints, per environment and system, the CPU and memory each workload requests and may
 * use at most, and the totals: what the Pi cluster must have free.
 */
import { parseArgs } from 'util';
import { runCli } from '../lib/cli';
import { Footprint, footprint, total } from '../lib/footprint';
import { loadEnvironment } from '../app/environment';
import { synthesizeObjects } from '../app/synth';
import { listEnvironments } from '../lib/config-file';

const cpu = (millis: number) => `${millis}m`;
const mem = (bytes: number) => `${Math.round(bytes / 2 ** 20)}Mi`;

function main(): void {
  const { positionals } = parseArgs({ allowPositionals: true });
  const envs = positionals.length > 0 ? positionals : listEnvironments('config');
  const line = (r: Footprint) =>
    console.log(
      [
        r.workload.padEnd(28),
        String(r.replicas).padStart(8),
        cpu(r.requests.cpu).padStart(7),
        cpu(r.limits.cpu).padStart(7),
        mem(r.requests.memory).padStart(7),
        mem(r.limits.memory).padStart(7),
      ].join('  '),
    );
  for (const env of envs) {
    const everything: Footprint[] = [];
    for (const [system, objects] of synthesizeObjects(loadEnvironment('config', env))) {
      const rows = footprint(objects);
      everything.push(...rows);
      console.log(`\n${env}/${system}`);
      console.log(['workload'.padEnd(28), 'replicas', 'cpu req', 'cpu lim', 'mem req', 'mem lim'].join('  '));
      [...rows, total(rows)].forEach(line);
    }
    console.log(`\n${env}: all systems`);
    line({ ...total(everything), workload: 'total' });
  }
}

runCli(main);
