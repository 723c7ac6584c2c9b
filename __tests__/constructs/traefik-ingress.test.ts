/** TraefikIngress alone: one rule per route, the cluster's IngressClass by default, TLS on websecure with HTTP redirected. */
import { TraefikIngress, TraefikIngressProps, hostTlsSecretName } from '../../charts/constructs/traefik-ingress';
import { dnsSubdomain } from '../../lib/schema';
import { one, synth, testChart } from '../support/construct-chart';

const ENTRYPOINTS = 'traefik.ingress.kubernetes.io/router.entrypoints';
const MIDDLEWARES = 'traefik.ingress.kubernetes.io/router.middlewares';
const routes = [
  { host: 'api.home.arpa', service: 'api', port: 8000 },
  { host: 'books.home.arpa', service: 'web', port: 80 },
];

function objects(props: Partial<TraefikIngressProps> = {}, cluster = {}) {
  const chart = testChart(cluster);
  new TraefikIngress(chart, 'ingress', { name: 'public', routes: routes.slice(0, 1), ...props });
  return synth(chart);
}
const ingress = (props: Partial<TraefikIngressProps> = {}, cluster = {}) => one(objects(props, cluster), 'Ingress', 'public');

describe('TraefikIngress', () => {
  test('minimal props: plain HTTP on "web" through the cluster\'s IngressClass, one prefix rule to the Service port', () => {
    const i = ingress();
    const labels = { 'app.kubernetes.io/component': 'ingress' };
    expect(i.metadata).toMatchObject({ namespace: 'ns', annotations: { [ENTRYPOINTS]: 'web' }, labels });
    expect(i.spec).toEqual({
      ingressClassName: 'traefik',
      rules: [
        {
          host: 'api.home.arpa',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8000 } } } }] },
        },
      ],
    });
  });

  test('all props: its own IngressClass, a rule per route, TLS covering every host switches to "websecure"', () => {
    const i = ingress({ ingressClass: 'traefik-internal', routes, tlsSecretName: 'home-tls' }, { ingressClass: 'nginx' });
    expect(i.metadata.annotations).toEqual({ [ENTRYPOINTS]: 'websecure', [MIDDLEWARES]: 'ns-public-hsts@kubernetescrd' });
    expect(i.spec.ingressClassName).toBe('traefik-internal');
    expect(i.spec.tls).toEqual([{ hosts: ['api.home.arpa', 'books.home.arpa'], secretName: 'home-tls' }]);
    expect(
      i.spec.rules.map((r: any) => [r.host, r.http.paths[0].backend.service.name, r.http.paths[0].backend.service.port.number]),
    ).toEqual([
      ['api.home.arpa', 'api', 8000],
      ['books.home.arpa', 'web', 80],
    ]);
  });

  test.each([
    ["the cluster's ingressClass when none is given", {}, { ingressClass: 'nginx' }, 'nginx'],
    ["the prop over the cluster's", { ingressClass: 'mine' }, { ingressClass: 'nginx' }, 'mine'],
  ])('ingressClassName: %s', (_, props, cluster, expected) => {
    expect(ingress(props, cluster).spec.ingressClassName).toBe(expected);
  });

  test('without TLS: the one Ingress, no redirect and no Middleware', () => {
    expect(objects({ routes }).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Ingress/public']);
  });

  test("cluster.tls.issuer: cert-manager's annotation, a tls section and Secret per host, on websecure only", () => {
    const i = ingress({ routes }, { tls: { issuer: 'home-ca' } });
    expect(i.metadata.annotations).toEqual({
      [ENTRYPOINTS]: 'websecure',
      [MIDDLEWARES]: 'ns-public-hsts@kubernetescrd',
      'cert-manager.io/cluster-issuer': 'home-ca',
    });
    expect(i.spec.tls).toEqual([
      { hosts: ['api.home.arpa'], secretName: 'api.home.arpa-tls' },
      { hosts: ['books.home.arpa'], secretName: 'books.home.arpa-tls' },
    ]);
  });

  test.each([
    ['an issuer', {}, { tls: { issuer: 'home-ca' } }],
    ['a TLS Secret of its own', { tlsSecretName: 'home-tls' }, {}],
  ])('with %s, plain HTTP on "web" is redirected to HTTPS by a Middleware of the same namespace', (_, props, cluster) => {
    const all = objects({ routes, ...props }, cluster);
    expect(all.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Ingress/public',
      'Ingress/public-http-redirect',
      'Middleware/public-hsts',
      'Middleware/public-redirect-https',
    ]);
    const middleware = one(all, 'Middleware', 'public-redirect-https');
    expect(middleware.apiVersion).toBe('traefik.io/v1alpha1');
    expect(middleware.spec).toEqual({ redirectScheme: { scheme: 'https', permanent: true } });
    const redirect = one(all, 'Ingress', 'public-http-redirect');
    expect(redirect.metadata.annotations).toEqual({
      [ENTRYPOINTS]: 'web',
      // Traefik's name of a Middleware object: <namespace>-<name>@kubernetescrd.
      [MIDDLEWARES]: `${middleware.metadata.namespace}-${middleware.metadata.name}@kubernetescrd`,
    });
    // HTTPS answers with HSTS: a browser that has been there never tries plain HTTP again.
    const hsts = one(all, 'Middleware', 'public-hsts');
    expect(hsts.spec).toEqual({ headers: { stsSeconds: 31536000 } });
    expect(one(all, 'Ingress', 'public').metadata.annotations[MIDDLEWARES]).toBe(`ns-${hsts.metadata.name}@kubernetescrd`);
    expect(redirect.spec.tls).toBeUndefined();
    expect(redirect.spec.rules).toEqual(one(all, 'Ingress', 'public').spec.rules);
  });

  test("a TLS Secret of the user's own is never handed to cert-manager, even with an issuer (it would replace their certificate)", () => {
    const i = ingress({ routes, tlsSecretName: 'my-wildcard' }, { tls: { issuer: 'home-ca' } });
    expect(i.metadata.annotations['cert-manager.io/cluster-issuer']).toBeUndefined();
    expect(i.spec.tls).toEqual([{ hosts: ['api.home.arpa', 'books.home.arpa'], secretName: 'my-wildcard' }]);
  });

  test('a host Secret name is <host>-tls, shortened with a hash to stay a valid Secret name for the longest host', () => {
    expect(hostTlsSecretName('a.home.arpa')).toBe('a.home.arpa-tls');
    const longest = Array.from({ length: 4 }, (_, i) => `${String(i)}${'x'.repeat(61)}`).join('.') + '.a'; // 253 characters
    expect(longest).toHaveLength(253);
    const name = hostTlsSecretName(longest);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(dnsSubdomain.safeParse(name).success).toBe(true);
    expect(hostTlsSecretName(longest)).toBe(name);
    expect(hostTlsSecretName(`${longest.slice(0, -1)}c`)).not.toBe(name);
  });

  test('without routes the Ingress is invalid (no rules, no default backend): synth refuses it', () => {
    expect(() => ingress({ routes: [] })).toThrow('either `defaultBackend` or `rules` must be specified');
  });
});
