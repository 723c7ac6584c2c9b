/** BackendNetwork alone: default deny, one policy per connected workload, DNS only for senders, every peer kind. */
import { ANYWHERE, BackendNetwork, BackendNetworkProps, INTERNET, TRAEFIK } from '../../charts/constructs/backend-network';
import { PythonService } from '../../charts/constructs/python-service';
import { minimalApi, one, selects, synth, testChart } from '../support/construct-chart';

function build(props: BackendNetworkProps, cluster = {}) {
  const chart = testChart(cluster);
  new BackendNetwork(chart, 'network', props);
  const policies = synth(chart);
  return { policies, policy: (name: string) => one(policies, 'NetworkPolicy', name) };
}

const peer = (namespace: string, podLabels: object) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
  podSelector: { matchLabels: podLabels },
});
const inKubeSystem = (podLabels: object) => peer('kube-system', podLabels);
const DNS = {
  to: [inKubeSystem({ 'k8s-app': 'kube-dns' })],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};
const pods = (name: string) => [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'sys' } } }];
const tcp = (port: number) => [{ protocol: 'TCP', port }];
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

describe('BackendNetwork, minimal props', () => {
  test('a workload without connections gets no policy: only the default deny of every pod, both directions', () => {
    const { policies } = build({ workloads: ['lonely'], connections: [] });
    expect(policies).toHaveLength(1);
    const labels = { 'app.kubernetes.io/component': 'network' };
    expect(policies[0].metadata).toMatchObject({ name: 'default-deny', namespace: 'ns', labels });
    expect(policies[0].spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });
});

describe('BackendNetwork, all props', () => {
  const monitoring = { kind: 'pods', namespace: 'monitoring', podLabels: { app: 'prometheus' } } as const;
  const { policies, policy } = build({
    workloads: ['api', 'db', 'worker', 'idle'],
    connections: [
      { from: TRAEFIK, to: 'api', port: 8000 },
      { from: ANYWHERE, to: 'api', port: 8080 },
      { from: 'api', to: 'db', port: 5432 },
      { from: 'worker', to: 'db', port: 5432 },
      { from: 'api', to: INTERNET, port: 443 },
      { from: monitoring, to: 'db', port: 9187 },
    ],
  });

  test('default deny, then one policy per workload with a connection, in the order given', () => {
    expect(policies.map((p) => p.metadata.name)).toEqual(['default-deny', 'api', 'db', 'worker']);
    for (const p of policies.slice(1)) expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
  });

  test('the API: in from Traefik and from anywhere; out to DNS first, then the database and the internet outside private ranges', () => {
    expect(policy('api').spec.podSelector).toEqual(pods('api')[0].podSelector);
    expect(policy('api').spec.ingress).toEqual([
      { from: [inKubeSystem({ 'app.kubernetes.io/name': 'traefik' })], ports: tcp(8000) },
      { from: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(8080) },
    ]);
    const internet = { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE } }], ports: tcp(443) };
    expect(policy('api').spec.egress).toEqual([DNS, { to: pods('db'), ports: tcp(5432) }, internet]);
  });

  test('a workload that only receives has no egress list (not even DNS); one that only sends has no ingress list', () => {
    expect(policy('db').spec.ingress).toEqual([
      { from: pods('api'), ports: tcp(5432) },
      { from: pods('worker'), ports: tcp(5432) },
      { from: [peer('monitoring', { app: 'prometheus' })], ports: tcp(9187) },
    ]);
    expect('egress' in policy('db').spec).toBe(false);
    expect('ingress' in policy('worker').spec).toBe(false);
    expect(policy('worker').spec.egress).toEqual([DNS, { to: pods('db'), ports: tcp(5432) }]);
  });

  test('Traefik and DNS peers follow the cluster config', () => {
    const cluster = {
      traefik: { namespace: 'ingress', podLabels: { app: 'edge' } },
      dns: { namespace: 'dns', podLabels: { app: 'coredns' } },
    };
    const connections = [
      { from: TRAEFIK, to: 'api', port: 80 },
      { from: 'api', to: INTERNET, port: 443 },
    ];
    const { policy: p } = build({ workloads: ['api'], connections }, cluster);
    expect(p('api').spec.ingress[0].from).toEqual([peer('ingress', { app: 'edge' })]);
    expect(p('api').spec.egress[0].to).toEqual([peer('dns', { app: 'coredns' })]);
  });

  test('a policy selects the pods of the PythonService of that name in the same system', () => {
    const chart = testChart();
    new PythonService(chart, 'api', minimalApi('api'));
    new BackendNetwork(chart, 'network', { workloads: ['api'], connections: [{ from: TRAEFIK, to: 'api', port: 8000 }] });
    const objects = synth(chart);
    const labels = one(objects, 'Deployment').spec.template.metadata.labels;
    expect(selects(one(objects, 'NetworkPolicy', 'api').spec.podSelector.matchLabels, labels)).toBe(true);
  });
});

describe('BackendNetwork invariants', () => {
  test.each([
    ['from', { from: 'ghost', to: 'api', port: 1 }],
    ['to', { from: 'api', to: 'ghost', port: 1 }],
  ])('a connection whose %s names an unknown workload throws', (_, connection) => {
    expect(() => build({ workloads: ['api'], connections: [connection] })).toThrow(
      'connection names "ghost", which is not a workload of sys',
    );
  });

  test('no policy is written with an empty ingress or egress list', () => {
    const connections = [
      { from: 'a', to: 'b', port: 1 },
      { from: INTERNET, to: 'c', port: 2 },
    ];
    const { policies } = build({ workloads: ['a', 'b', 'c'], connections });
    for (const p of policies) for (const side of ['ingress', 'egress']) expect(p.spec[side] ?? ['absent']).not.toEqual([]);
    expect(policies.map((p) => [p.metadata.name, 'ingress' in p.spec, 'egress' in p.spec])).toEqual([
      ['default-deny', false, false],
      ['a', false, true],
      ['b', true, false],
      ['c', true, false],
    ]);
  });
});
