/**
 * The cluster-wide half of the bootstrap (dist/<env>/bootstrap/), applied once by a cluster admin
 * and never by Argo CD: a ValidatingAdmissionPolicy, and its binding, that refuse any Namespace of
 * the systems whose Pod Security `enforce` label is not `restricted`.
 *
 * Why: the systems' AppProject may manage their Namespaces (the labels are in git with them),
 * so without this a push to a system folder could relabel its own Namespace `privileged` and then
 * run a hostPath or privileged pod, which is root on the node. The policy holds for every user,
 * Argo CD's controller included; loosening a Namespace takes deleting the binding first.
 * Needs Kubernetes 1.30 or later (admissionregistration.k8s.io/v1).
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { KubeObject } from '../lib/manifests';

/** The label Pod Security Admission enforces, and the only value the policy admits. */
const ENFORCE = 'pod-security.kubernetes.io/enforce';

export function namespaceGuard(project: string, namespaces: string[]): KubeObject[] {
  const chart = new Chart(new App({ outdir: '/nonexistent' }), 'bootstrap', { disableResourceNameHashes: true });
  const name = `${project}-restricted-namespaces`;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': project, 'app.kubernetes.io/managed-by': 'cdk8s' };
  const list = [...namespaces]
    .sort()
    .map((n) => `'${n}'`)
    .join(', ');
  new ApiObject(chart, 'policy', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['namespaces'] }],
      },
      matchConditions: [{ name: 'a-system-namespace', expression: `object.metadata.name in [${list}]` }],
      validations: [
        {
          expression:
            `has(object.metadata.labels) && '${ENFORCE}' in object.metadata.labels && ` +
            `object.metadata.labels['${ENFORCE}'] == 'restricted'`,
          message:
            `the Namespaces of ${project} keep ${ENFORCE}: restricted ` +
            `(delete ValidatingAdmissionPolicyBinding ${name} to change that)`,
          reason: 'Forbidden',
        },
      ],
    },
  });
  new ApiObject(chart, 'binding', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: { policyName: name, validationActions: ['Deny'] },
  });
  return chart.toJson() as KubeObject[];
}
