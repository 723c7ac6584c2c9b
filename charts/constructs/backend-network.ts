/**
 * The seed's private networks as NetworkPolicies: everything in the namespace is denied,
 * then each allowed connection is listed once, as an edge from one endpoint to another
 * on a port. Each workload gets one policy with its ingress and egress edges, plus DNS
 * when it may send anything at all.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { ClusterConfig } from './cluster-config';
import { kubeScoreIgnore } from './lint-exceptions';
import { SystemChart } from './system-chart';
import { selectorLabels, systemLabels } from './workload-identity';

/** Traefik, the k3s Ingress controller. */
export const TRAEFIK = { kind: 'traefik' } as const;
/** Addresses outside the cluster and the private ranges (for outbound HTTPS). */
export const INTERNET = { kind: 'internet' } as const;
/** Any source address (a LoadBalancer Service exposed by k3s ServiceLB). */
export const ANYWHERE = { kind: 'anywhere' } as const;

/** Pods of another namespace (Prometheus, for instance). */
export interface PodsIn {
  readonly kind: 'pods';
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
}

/** Addresses outside the cluster, by CIDR (a NAS, a backup bucket). */
export interface Addresses {
  readonly kind: 'cidr';
  readonly cidr: string;
}

export type Endpoint = string | typeof TRAEFIK | typeof INTERNET | typeof ANYWHERE | PodsIn | Addresses;

/** One allowed connection: `from` may open TCP connections to `to` on `port`. */
export interface Connection {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
}

export interface BackendNetworkProps {
  /** The workloads of the namespace, by name; each gets a policy. */
  readonly workloads: string[];
  readonly connections: Connection[];
  /**
   * Workloads whose pods an operator creates from a custom resource (CloudNativePG's instances),
   * with the workload's labels: no manifest here holds them, which kube-score is told.
   * @default none
   */
  readonly operatorPods?: string[];
}

/**
 * Private, link-local and carrier-grade NAT ranges: not "the internet". IPv4 only, as k3s is
 * by default; on a dual-stack cluster IPv6 traffic stays denied.
 */
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

export class BackendNetwork extends Construct {
  constructor(scope: Construct, id: string, props: BackendNetworkProps) {
    super(scope, id);
    const { system, cluster } = SystemChart.of(this);
    const labels = systemLabels(system, 'network');
    const peers = (end: Endpoint) => peersOf(end, system.name, cluster);
    for (const c of props.connections) {
      for (const end of [c.from, c.to]) {
        if (typeof end === 'string' && !props.workloads.includes(end)) {
          throw new Error(`connection names "${end}", which is not a workload of ${system.name}`);
        }
      }
    }

    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny', labels },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });

    for (const workload of props.workloads) {
      const incoming = props.connections.filter((c) => c.to === workload);
      const outgoing = props.connections.filter((c) => c.from === workload);
      if (incoming.length === 0 && outgoing.length === 0) continue;
      const egress: k8s.NetworkPolicyEgressRule[] = outgoing.map((c) => ({ to: peers(c.to), ports: [tcp(c.port)] }));
      if (egress.length > 0) egress.unshift(dnsEgress(cluster));
      new k8s.KubeNetworkPolicy(this, workload, {
        metadata: {
          name: workload,
          labels,
          annotations: props.operatorPods?.includes(workload) ? kubeScoreIgnore('networkpolicy-targets-pod') : undefined,
        },
        spec: {
          podSelector: { matchLabels: selectorLabels({ name: workload, system: system.name }) },
          // Both types always: a direction with no rule is denied. An empty list is left out
          // rather than written, as the API server drops it (a diff on every apply otherwise).
          policyTypes: ['Ingress', 'Egress'],
          ingress: nonEmpty(incoming.map((c) => ({ from: peers(c.from), ports: [tcp(c.port)] }))),
          egress: nonEmpty(egress),
        },
      });
    }
  }
}

const nonEmpty = <T>(list: T[]): T[] | undefined => (list.length > 0 ? list : undefined);

function tcp(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/** Who an endpoint is, as NetworkPolicy peers. */
function peersOf(end: Endpoint, system: string, cluster: ClusterConfig): k8s.NetworkPolicyPeer[] {
  if (typeof end === 'string') return [{ podSelector: { matchLabels: selectorLabels({ name: end, system }) } }];
  switch (end.kind) {
    case 'traefik':
      return [inNamespace(cluster.traefik.namespace, cluster.traefik.podLabels)];
    case 'internet':
      return [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_V4 } }];
    case 'anywhere':
      return [{ ipBlock: { cidr: '0.0.0.0/0' } }];
    case 'pods':
      return [inNamespace(end.namespace, end.podLabels)];
    case 'cidr':
      return [{ ipBlock: { cidr: end.cidr } }];
  }
}

function inNamespace(namespace: string, podLabels: Record<string, string>): k8s.NetworkPolicyPeer {
  return {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    podSelector: { matchLabels: podLabels },
  };
}

/** Name lookups: UDP and TCP 53 to the cluster DNS (CoreDNS on k3s). */
function dnsEgress(cluster: ClusterConfig): k8s.NetworkPolicyEgressRule {
  return {
    to: [inNamespace(cluster.dns.namespace, cluster.dns.podLabels)],
    ports: [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
    ],
  };
}
