/**
 * What a system asks of the cluster: per workload, the CPU and memory its pods request
 * and may use at most (replicas included), the way the scheduler counts them.
 */
import { cpuMillis, memoryBytes } from './quantity';
import { KubeObject } from './manifests';

export interface Footprint {
  readonly workload: string;
  readonly replicas: number;
  readonly requests: { cpu: number; memory: number };
  readonly limits: { cpu: number; memory: number };
}

type Containers = Array<{ resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }>;

/** Scheduler arithmetic: the larger of the biggest init container and the sum of the app containers. */
function podTotal(spec: { containers: Containers; initContainers?: Containers }, side: 'requests' | 'limits') {
  const sum = (cs: Containers, f: (q: string) => number | undefined, key: string) =>
    cs.reduce((acc, c) => acc + (f(c.resources?.[side]?.[key] ?? '0') ?? 0), 0);
  const max = (cs: Containers, f: (q: string) => number | undefined, key: string) =>
    Math.max(0, ...cs.map((c) => f(c.resources?.[side]?.[key] ?? '0') ?? 0));
  const init = spec.initContainers ?? [];
  return {
    cpu: Math.max(sum(spec.containers, cpuMillis, 'cpu'), max(init, cpuMillis, 'cpu')),
    memory: Math.max(sum(spec.containers, memoryBytes, 'memory'), max(init, memoryBytes, 'memory')),
  };
}

/**
 * A CloudNativePG Cluster's instance pod, as the operator makes it: postgres with the Cluster's
 * resources, and the Barman Cloud plugin's sidecar with its ObjectStore's.
 */
function clusterPod(cluster: any, objects: KubeObject[]): { spec: { containers: Containers } } {
  const storeName = cluster.spec.plugins?.find((p: any) => p.isWALArchiver)?.parameters?.barmanObjectName;
  const store: any = objects.find((x) => x.kind === 'ObjectStore' && x.metadata.name === storeName);
  const sidecar = store?.spec.instanceSidecarConfiguration?.resources;
  return { spec: { containers: [{ resources: cluster.spec.resources }, ...(sidecar ? [{ resources: sidecar }] : [])] } };
}

export function footprint(objects: KubeObject[]): Footprint[] {
  return objects.flatMap((o: any) => {
    const template =
      o.kind === 'CronJob'
        ? o.spec.jobTemplate.spec.template
        : ['Deployment', 'StatefulSet'].includes(o.kind)
          ? o.spec.template
          : o.kind === 'Cluster'
            ? clusterPod(o, objects)
            : undefined;
    if (!template) return [];
    const replicas = o.kind === 'CronJob' ? 1 : o.kind === 'Cluster' ? o.spec.instances : (o.spec.replicas ?? 1);
    const scale = (r: { cpu: number; memory: number }) => ({ cpu: r.cpu * replicas, memory: r.memory * replicas });
    return [
      {
        workload: `${o.kind}/${o.metadata.name}`,
        replicas,
        requests: scale(podTotal(template.spec, 'requests')),
        limits: scale(podTotal(template.spec, 'limits')),
      },
    ];
  });
}

export function total(rows: Footprint[]): Footprint {
  const add = (f: (r: Footprint) => { cpu: number; memory: number }) => ({
    cpu: rows.reduce((a, r) => a + f(r).cpu, 0),
    memory: rows.reduce((a, r) => a + f(r).memory, 0),
  });
  return {
    workload: 'total',
    replicas: rows.reduce((a, r) => a + r.replicas, 0),
    requests: add((r) => r.requests),
    limits: add((r) => r.limits),
  };
}
