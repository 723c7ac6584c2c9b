/** SealedSecrets alone: one Bitnami SealedSecret per Secret, with the sealed keys only, in strict scope. */
import { SealedSecrets } from '../../charts/constructs/sealed-secrets';
import { SealedStore } from '../../lib/sealing';
import { SecretSpec } from '../../lib/secrets';
import { synth, testChart } from '../support/construct-chart';

const labels = { 'app.kubernetes.io/part-of': 'sys' };
const auth: SecretSpec = {
  name: 'db-auth',
  namespace: 'books',
  type: 'kubernetes.io/basic-auth',
  labels,
  data: { username: { literal: 'auth' }, password: { generated: 'AUTH_PASSWORD' } },
};
const oauth: SecretSpec = {
  name: 'oauth',
  namespace: 'books',
  type: 'Opaque',
  labels,
  data: { 'client-secret': { provided: 'OAUTH_SECRET', hint: 'from the provider', optional: true } },
};
const sealed = (ciphertext: string) => ({ fingerprint: 'f', ciphertext });

function build(specs: SecretSpec[], secrets: SealedStore['secrets']) {
  const chart = testChart();
  new SealedSecrets(chart, 'sealed', { specs, store: { certificate: 'sha256:x', secrets } });
  return synth(chart);
}

describe('SealedSecrets', () => {
  test('minimal props: no specs, no objects', () => {
    expect(build([], { 'books/db-auth': { password: sealed('QQ==') } })).toEqual([]);
  });

  test("all props: each Secret keeps its name, namespace (not the chart's), type and labels; only sealed keys are written", () => {
    const objects = build([auth, oauth], {
      'books/db-auth': { username: sealed('VQ=='), password: sealed('UA=='), stale: sealed('Uw==') },
      'other/oauth': { 'client-secret': sealed('Tw==') },
    });
    expect(objects.map((o) => [o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name])).toEqual([
      ['bitnami.com/v1alpha1', 'SealedSecret', 'books', 'db-auth'],
      ['bitnami.com/v1alpha1', 'SealedSecret', 'books', 'oauth'],
    ]);
    const [a, o] = objects;
    expect(a.spec.encryptedData).toEqual({ username: 'VQ==', password: 'UA==' });
    expect(a.spec.template).toEqual({ metadata: { name: 'db-auth', namespace: 'books', labels }, type: 'kubernetes.io/basic-auth' });
    expect(a.metadata.labels).toEqual(labels);
    expect(o.spec.encryptedData).toEqual({});
    expect(o.spec.template.type).toBe('Opaque');
  });

  test('strict scope: no cluster-wide or namespace-wide annotation', () => {
    const [a] = build([auth], { 'books/db-auth': { password: sealed('UA==') } });
    expect(a.metadata.annotations ?? {}).toEqual({});
  });
});
