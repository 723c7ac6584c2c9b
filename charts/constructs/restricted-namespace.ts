/** The system's Namespace, where Pod Security Admission enforces the "restricted" profile. */
import { JsonPatch } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { SystemChart } from './system-chart';
import { systemLabels } from './workload-identity';

export interface RestrictedNamespaceProps {
  /**
   * The Namespace's name.
   * @default the chart's namespace
   */
  readonly name?: string;
}

export class RestrictedNamespace extends Construct {
  constructor(scope: Construct, id: string, props: RestrictedNamespaceProps = {}) {
    super(scope, id);
    const chart = SystemChart.of(this);
    const namespace = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.name ?? chart.namespace!,
        labels: {
          ...systemLabels(chart.system, 'namespace'),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
    // A Namespace is cluster-scoped: drop the namespace the chart gives every object.
    namespace.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}
