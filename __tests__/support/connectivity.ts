/**
 * The connections a namespace's NetworkPolicies allow, as readable lines such as
 * "auth-api -> postgres:5432/TCP". A connection between two pods of the namespace needs
 * both the sender's egress and the receiver's ingress; one with the outside (Traefik,
 * kube-dns, the internet) needs the rule on the namespace's side. Every pod is assumed to
 * be selected by a default deny (a test checks that policy separately).
 */
import { KubeObject } from '../../lib/manifests';

type Peer = any;
type Port = { protocol: string; port: number };

/** A peer as a name: a workload of the namespace, or an outside endpoint. */
function peerName(peer: Peer): string {
  if (peer.ipBlock) return peer.ipBlock.except ? 'internet' : peer.ipBlock.cidr === '0.0.0.0/0' ? 'anywhere' : `cidr:${peer.ipBlock.cidr}`;
  const labels = peer.podSelector?.matchLabels ?? {};
  if (peer.namespaceSelector) {
    if (labels['k8s-app'] === 'kube-dns') return 'kube-dns';
    if (labels['app.kubernetes.io/name'] === 'traefik') return 'traefik';
    return `namespace:${JSON.stringify(peer.namespaceSelector)}`;
  }
  return labels['app.kubernetes.io/name'] ?? '(every pod)';
}

const portsOf = (rule: any): Port[] => (rule.ports ?? []).map((p: any) => ({ protocol: p.protocol ?? 'TCP', port: p.port }));

export function allowedConnections(objects: KubeObject[]): string[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy').map((o: any) => o.spec);
  const workloads = new Set(policies.map((p) => p.podSelector.matchLabels?.['app.kubernetes.io/name']).filter(Boolean));
  const egress: Array<[string, string, Port]> = [];
  const ingress: Array<[string, string, Port]> = [];
  for (const p of policies) {
    const self = p.podSelector.matchLabels?.['app.kubernetes.io/name'];
    if (!self) continue;
    for (const rule of p.egress ?? [])
      for (const peer of rule.to) for (const port of portsOf(rule)) egress.push([self, peerName(peer), port]);
    for (const rule of p.ingress ?? [])
      for (const peer of rule.from) for (const port of portsOf(rule)) ingress.push([peerName(peer), self, port]);
  }
  const key = (from: string, to: string, port: Port) => `${from} -> ${to}:${port.port}/${port.protocol}`;
  const ingressKeys = new Set(ingress.map(([f, t, p]) => key(f, t, p)));
  const egressKeys = new Set(egress.map(([f, t, p]) => key(f, t, p)));
  const lines = new Set<string>();
  for (const [from, to, port] of egress) if (!workloads.has(to) || ingressKeys.has(key(from, to, port))) lines.add(key(from, to, port));
  for (const [from, to, port] of ingress) if (!workloads.has(from) || egressKeys.has(key(from, to, port))) lines.add(key(from, to, port));
  return [...lines].sort();
}
