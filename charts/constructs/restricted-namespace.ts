/** The system's Namespace, where Pod Security Admission enforces the "restricted" profile. */
import { JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SystemIdentity, systemLabels } from './workload-identity';

export class RestrictedNamespace extends Construct {
  constructor(scope: Construct, id: string, props: { name: string; system: SystemIdentity }) {
    super(scope, id);
    const namespace = new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...systemLabels(props.system, 'namespace'),
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
