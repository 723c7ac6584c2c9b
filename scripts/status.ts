/**
 * npm run status -- <env> [system…]
 *
 * The cluster's side of the seeds' `make health`: for each system of the environment, one
 * `kubectl -n <namespace> get deployments,statefulsets,cronjobs,pods,pvc -o json`, turned into
 * a table: rollout state and restarts of every workload, the phase of every claim, and when
 * the last backup succeeded. Exit 0 when every workload is ready and every claim Bound, 1
 * otherwise (a system not deployed, kubectl missing or without a context included). A stale,
 * missing or suspended backup and replicas that differ from the config are warnings only.
 */
import { parseCommandLine } from '../lib/cli';
import { kubectl, namespaceOf, requireContext, systemsOf } from '../lib/kubectl';
import { loadEnvironment } from '../app/environment';
import { synthesizeObjects } from '../app/synth';
import { ConfigError } from '../lib/errors';
import { renderTable, systemRows } from '../app/status-table';

const USAGE = 'npm run status -- <env> [system…]';

// ---------------------------------------------------------------------------------------
// The command

/** The items in a namespace, or undefined when the namespace does not exist. */
async function namespaceItems(namespace: string): Promise<any[] | undefined> {
  const got = await kubectl(['-n', namespace, 'get', 'deployments,statefulsets,cronjobs,pods,pvc', '-o', 'json']);
  if (got.code !== 0) throw new ConfigError(`kubectl -n ${namespace} get … failed: ${got.stderr.trim()}`);
  const items = JSON.parse(got.stdout).items as any[];
  if (items.length > 0) return items;
  // An empty list is also what kubectl answers for a namespace that does not exist.
  const ns = await kubectl(['get', 'namespace', namespace, '-o', 'name']);
  return ns.code === 0 ? items : undefined;
}

async function main(): Promise<boolean> {
  const { values, positionals } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: { config: { type: 'string', default: 'config' } },
  });
  const [env, ...names] = positionals;
  if (!env) throw new ConfigError(`usage: ${USAGE}   (for example: npm run status -- prod)`);
  const systems = systemsOf(synthesizeObjects(loadEnvironment(values.config, env)), names);
  console.log(`context: ${await requireContext()}`);

  const failing: string[] = [];
  let warnings = 0;
  for (const [system, objects] of systems) {
    const namespace = namespaceOf(objects);
    const items = await namespaceItems(namespace);
    if (!items) {
      console.log(`\n${env}/${system}: not deployed (namespace ${namespace} does not exist)`);
      failing.push(`${system} (not deployed)`);
      continue;
    }
    const rows = systemRows(items, objects, new Date());
    console.log(`\n${env}/${system} (namespace ${namespace})\n${renderTable(rows)}`);
    failing.push(...rows.filter((r) => r.problem).map((r) => `${system} ${r.object}`));
    warnings += rows.filter((r) => !r.problem && r.warning).length;
  }
  const warned = warnings > 0 ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : '';
  console.log(
    failing.length === 0 ? `\n${env}: everything ready and bound${warned}` : `\n${env}: NOT READY: ${failing.join(', ')}${warned}`,
  );
  return failing.length === 0;
}

if (require.main === module) {
  main().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error) => {
      console.error((error as Error).message);
      process.exit(1);
    },
  );
}
