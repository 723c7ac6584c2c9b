/** Workload identity: the recommended labels, stable selectors, and version labels valid for any image tag or digest. */
import { imageTag, selectorLabels, systemLabels, workloadLabels } from '../../charts/constructs/workload-identity';
import { labelValueErrors } from '../../lib/k8s-validation';

const api = { name: 'auth-api', system: 'booksync', component: 'api', version: '2.1.0' };

describe('workload identity', () => {
  test('selectors use only name and instance; the full set adds version, component, part-of and managed-by', () => {
    expect(selectorLabels(api)).toEqual({ 'app.kubernetes.io/name': 'auth-api', 'app.kubernetes.io/instance': 'booksync' });
    expect(workloadLabels(api)).toEqual({
      ...selectorLabels(api),
      'app.kubernetes.io/version': '2.1.0',
      'app.kubernetes.io/component': 'api',
      'app.kubernetes.io/part-of': 'booksync',
      'app.kubernetes.io/managed-by': 'cdk8s',
    });
  });

  test('a new version changes no selector label', () => {
    const released = { ...api, version: '3.0.0' };
    expect(selectorLabels(released)).toEqual(selectorLabels(api));
    expect(workloadLabels(released)['app.kubernetes.io/version']).toBe('3.0.0');
  });

  test('system labels name the system itself', () => {
    expect(systemLabels({ name: 'booksync', version: '1.0.0' }, 'network')).toMatchObject({
      'app.kubernetes.io/name': 'booksync',
      'app.kubernetes.io/instance': 'booksync',
      'app.kubernetes.io/part-of': 'booksync',
      'app.kubernetes.io/component': 'network',
      'app.kubernetes.io/version': '1.0.0',
    });
  });

  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  test.each([
    ['a release tag', '2.1.0', '2.1.0'],
    ['a digest', digest, `sha256-${'0123456789abcdef'.repeat(4)}`.slice(0, 63)],
    ['a 128-character tag', `v${'a'.repeat(127)}`, `v${'a'.repeat(62)}`],
    ['a tag ending in "-" or "."', '1.0-rc-.', '1.0-rc'],
    ['a tag starting with "_"', '_build.7', 'build.7'],
  ])('%s gives a valid version label of at most 63 characters', (_, version, label) => {
    const value = workloadLabels({ ...api, version })['app.kubernetes.io/version'];
    expect(value).toBe(label);
    expect(labelValueErrors(value)).toEqual([]);
  });

  test.each([
    ['pgvector/pgvector:0.8.1-pg17', '0.8.1-pg17'],
    ['registry.home.arpa:5000/auth-api:2.1.0', '2.1.0'],
    [`pgvector/pgvector@${digest}`, digest],
    [`pgvector/pgvector:0.8.1@${digest}`, digest],
  ])('imageTag(%s) is %s', (image, tag) => expect(imageTag(image)).toBe(tag));
});
