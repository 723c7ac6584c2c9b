/**
 * HTTPS in every environment that sets cluster.tls.issuer (prod): every host of every Ingress is
 * served on websecure with a cert-manager certificate, and on web only by a redirect to HTTPS;
 * where it is unset (dev), plain HTTP and no Middleware.
 */
import { SYSTEMS } from '../app/registry';
import { ENVIRONMENTS, loadConfig, objectsOf } from './support/synth';

const ENTRYPOINTS = 'traefik.ingress.kubernetes.io/router.entrypoints';
const MIDDLEWARES = 'traefik.ingress.kubernetes.io/router.middlewares';
const hostsOf = (ingress: any): string[] => ingress.spec.rules.map((r: any) => r.host).sort();

describe.each(ENVIRONMENTS.flatMap((env) => SYSTEMS.map((s) => [env, s.name])))('%s/%s', (env, system) => {
  const issuer = loadConfig(env).cluster.tls.issuer;
  const objects: any[] = objectsOf(env, system);
  const ingresses = objects.filter((o) => o.kind === 'Ingress');
  const secure = ingresses.filter((i) => i.metadata.annotations[ENTRYPOINTS] === 'websecure');
  const plain = ingresses.filter((i) => i.metadata.annotations[ENTRYPOINTS] === 'web');

  if (issuer === undefined) {
    test('no issuer: plain HTTP, no certificate, no Middleware', () => {
      expect(secure).toEqual([]);
      for (const i of plain) expect([i.spec.tls, i.metadata.annotations[MIDDLEWARES]]).toEqual([undefined, undefined]);
      expect(objects.filter((o) => o.kind === 'Middleware')).toEqual([]);
    });
    return;
  }

  test(`every host is on websecure with a certificate from ClusterIssuer ${issuer}, a tls section of its own`, () => {
    expect(secure.length + plain.length).toBe(ingresses.length);
    const hsts = new Map(
      objects.filter((o) => o.kind === 'Middleware').map((m) => [`${m.metadata.namespace}-${m.metadata.name}@kubernetescrd`, m]),
    );
    for (const i of secure) {
      expect(i.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(issuer);
      expect(hsts.get(i.metadata.annotations[MIDDLEWARES])?.spec).toEqual({ headers: { stsSeconds: 31536000 } });
      expect(
        i.spec.tls
          .map((t: any) => t.hosts)
          .flat()
          .sort(),
      ).toEqual(hostsOf(i));
      for (const t of i.spec.tls) expect(t).toEqual({ hosts: [expect.any(String)], secretName: `${t.hosts[0]}-tls` });
    }
  });

  test('on web, each of those hosts only redirects to HTTPS, through a Middleware of this folder', () => {
    const middlewares = new Map(
      objects.filter((o) => o.kind === 'Middleware').map((m) => [`${m.metadata.namespace}-${m.metadata.name}`, m]),
    );
    expect(plain.map(hostsOf).flat().sort()).toEqual(secure.map(hostsOf).flat().sort());
    for (const i of plain) {
      expect(i.spec.tls).toBeUndefined();
      const [name, provider] = i.metadata.annotations[MIDDLEWARES].split('@');
      expect(provider).toBe('kubernetescrd');
      expect(middlewares.get(name)?.spec).toEqual({ redirectScheme: { scheme: 'https', permanent: true } });
    }
  });
});
