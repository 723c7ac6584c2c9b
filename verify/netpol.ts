/**
 * NetworkPolicy connectivity computed by np-guard's `netpolicy list` over each system
 * folder, compared with the expected matrix committed in systems/<name>/connectivity/ (written from
 * the seeds' networks: BookSync's APIs to Postgres, Traefik in, two APIs out to HTTPS;
 * MnemoLite's internal backend). Any extra or missing connection fails and prints the
 * difference. The cluster's own peers, CoreDNS and Traefik in kube-system, are added as
 * pods with k3s' labels so that the DNS and Ingress edges are computed too. A CloudNativePG
 * Cluster's instances are made by its operator, not by a manifest here: each Cluster gets two
 * stand-in Pods `<cluster>-1` and `<cluster>-2` (so that replication between instances shows)
 * with the labels the Cluster gives its pods (inheritedMetadata), and the operator a stand-in in
 * its namespace with its configured labels, so that their edges are computed from the same policies.
 * Also draws each matrix (`-o dot`, rendered to SVG by graphviz) into docs/.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ensureTool } from '../lib/tools';
import { Check, REPO, exec, requireCommand, withTempDir } from './check';
import { loadEnvironment, sectionOf } from '../app/environment';
import { readManifests } from '../lib/dist';
import { SYSTEMS } from '../app/registry';
import { listEnvironments } from '../lib/config-file';

const DOCS_DIR = path.join(REPO, 'docs');

/** kube-system and the two k3s pods the systems talk to, labelled as k3s labels them. */
function clusterPeers(config: ReturnType<typeof loadEnvironment>): object[] {
  const pod = (name: string, namespace: string, labels: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name, image: `${name}:k3s` }] },
  });
  const namespaces = [...new Set([config.cluster.dns.namespace, config.cluster.traefik.namespace])];
  return [
    ...namespaces.map((name) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    })),
    pod('coredns', config.cluster.dns.namespace, config.cluster.dns.podLabels),
    pod('traefik', config.cluster.traefik.namespace, config.cluster.traefik.podLabels),
  ];
}

/** Stand-ins for what CloudNativePG runs: two instances per Cluster of the folder, and its operator. */
function cnpgPeers(objects: any[], operator: { namespace: string; podLabels: Record<string, string> } | undefined): object[] {
  const clusters = objects.filter((o) => o.kind === 'Cluster');
  if (clusters.length === 0 || !operator) return [];
  const pod = (name: string, namespace: string, labels: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'postgres', image: 'cloudnative-pg:stand-in' }] },
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: operator.namespace, labels: { 'kubernetes.io/metadata.name': operator.namespace } },
    },
    pod('cnpg-controller-manager', operator.namespace, operator.podLabels),
    ...clusters.flatMap((c) =>
      [1, 2].map((i) =>
        pod(`${c.metadata.name}-${i}`, c.metadata.namespace, { ...c.spec.inheritedMetadata.labels, 'cnpg.io/cluster': c.metadata.name }),
      ),
    ),
  ];
}

/** Lines of `want` and `got` that the other lacks, as a diff. */
function difference(want: string[], got: string[]): string[] {
  return [
    ...want.filter((l) => !got.includes(l)).map((l) => `- missing: ${l}`),
    ...got.filter((l) => !want.includes(l)).map((l) => `+ extra:   ${l}`),
  ];
}

export const netpol: Check = {
  name: 'netpol',
  description: "np-guard's computed connectivity equals the committed matrix of the seeds' networks",
  run: () =>
    withTempDir('verify-netpol-', async (dir) => {
      const netpolicy = ensureTool('netpolicy', (line) => console.error(line));
      requireCommand('dot', 'apt-get install graphviz');
      fs.mkdirSync(DOCS_DIR, { recursive: true });
      const problems: string[] = [];
      let compared = 0;
      let folders = 0;
      for (const env of listEnvironments(path.join(REPO, 'config'))) {
        const config = loadEnvironment(path.join(REPO, 'config'), env);
        for (const { name: system, dir: systemDir } of SYSTEMS) {
          const input = path.join(dir, env, system);
          fs.cpSync(path.join(REPO, 'dist', env, system), input, { recursive: true });
          const objects = readManifests(input);
          const section = sectionOf(
            config,
            SYSTEMS.find((s) => s.name === system)!,
          ) as { postgres?: { cloudnativePg?: any } };
          const instances = cnpgPeers(objects, section.postgres?.cloudnativePg?.operator);
          fs.writeFileSync(
            path.join(input, 'cluster-peers.yaml'),
            [...clusterPeers(config), ...instances].map((o) => YAML.stringify(o)).join('---\n'),
          );
          // Only the connections of the system's own workloads (kube-system has no policies here).
          const workloads = [
            ...objects.filter((o) => ['Deployment', 'StatefulSet', 'CronJob'].includes(o.kind)),
            ...(instances as any[]).filter(
              (o) => o.kind === 'Pod' && o.metadata.namespace === objects.find((n) => n.kind === 'Namespace')?.metadata.name,
            ),
          ].map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
          const focus = ['--dirpath', input, '--focusworkload', workloads.join(',')];
          const got = (await exec(netpolicy, ['list', ...focus])).split('\n').filter(Boolean).sort();
          const expectedFile = path.join(systemDir, 'connectivity', `${env}.txt`);
          const want = fs.existsSync(expectedFile)
            ? fs
                .readFileSync(expectedFile, 'utf8')
                .split('\n')
                .filter((l) => l && !l.startsWith('#'))
                .sort()
            : [];
          const diff = difference(want, got);
          if (diff.length > 0) problems.push(`${env}/${system} (${path.relative(REPO, expectedFile)}):\n  ${diff.join('\n  ')}`);
          compared += got.length;
          folders++;
          const graph = await exec(netpolicy, ['list', ...focus, '-o', 'dot']);
          fs.writeFileSync(path.join(DOCS_DIR, `connectivity-${env}-${system}.svg`), await exec('dot', ['-Tsvg'], { input: graph }));
        }
      }
      if (problems.length > 0) throw new Error(problems.join('\n'));
      return `${compared} connections in ${folders} folders equal to systems/*/connectivity/, drawn to docs/connectivity-*.svg`;
    }),
};
