/** TraefikIngress alone: one rule per route, the cluster's IngressClass by default, TLS on websecure. */
import { TraefikIngress, TraefikIngressProps } from '../../charts/constructs/traefik-ingress';
import { one, synth, testChart } from '../support/construct-chart';

const ENTRYPOINTS = 'traefik.ingress.kubernetes.io/router.entrypoints';
const routes = [
  { host: 'api.home.arpa', service: 'api', port: 8000 },
  { host: 'books.home.arpa', service: 'web', port: 80 },
];

function ingress(props: Partial<TraefikIngressProps> = {}, cluster = {}) {
  const chart = testChart(cluster);
  new TraefikIngress(chart, 'ingress', { name: 'public', routes: routes.slice(0, 1), ...props });
  return one(synth(chart), 'Ingress', 'public');
}

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
    expect(i.metadata.annotations).toEqual({ [ENTRYPOINTS]: 'websecure' });
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

  test('without routes the Ingress is invalid (no rules, no default backend): synth refuses it', () => {
    expect(() => ingress({ routes: [] })).toThrow('either `defaultBackend` or `rules` must be specified');
  });
});
