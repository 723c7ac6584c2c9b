/** RestrictedNamespace alone: the chart's namespace, cluster-scoped, with Pod Security Admission "restricted". */
import { RestrictedNamespace } from '../../charts/constructs/restricted-namespace';
import { synth, testChart } from '../support/construct-chart';

const PSA = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

describe('RestrictedNamespace', () => {
  test.each([
    ["minimal props: named after the chart's namespace", undefined, 'ns'],
    ['all props: the name given', { name: 'elsewhere' }, 'elsewhere'],
  ])('%s', (_, props, name) => {
    const chart = testChart();
    new RestrictedNamespace(chart, 'namespace', props);
    const objects = synth(chart);
    expect(objects).toHaveLength(1);
    const [ns] = objects;
    expect([ns.apiVersion, ns.kind, ns.metadata.name]).toEqual(['v1', 'Namespace', name]);
    expect('namespace' in ns.metadata).toBe(false);
    expect(ns.metadata.labels).toEqual({
      ...PSA,
      'app.kubernetes.io/name': 'sys',
      'app.kubernetes.io/instance': 'sys',
      'app.kubernetes.io/part-of': 'sys',
      'app.kubernetes.io/component': 'namespace',
      'app.kubernetes.io/version': '1.0.0',
      'app.kubernetes.io/managed-by': 'cdk8s',
    });
  });
});
