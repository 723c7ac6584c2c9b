/**
 * An Ingress for the k3s Traefik controller: one host per Service, and HTTPS when the cluster
 * has a cert-manager ClusterIssuer (cluster.tls.issuer) or the system names a TLS Secret.
 *
 * With TLS, the Ingress is served on Traefik's `websecure` entrypoint only, through a `headers`
 * Middleware that sends HSTS (browsers then never try plain HTTP again), with a `tls` section per
 * host and, unless the system names its own Secret, the `cert-manager.io/cluster-issuer`
 * annotation (cert-manager's ingress-shim then keeps a Certificate per host in `<host>-tls`; on a
 * Secret of the user's it would replace their certificate). A second Ingress on `web` for the
 * same hosts sends every plain HTTP request to HTTPS through a Traefik `redirectScheme`
 * Middleware (k3s ships Traefik with its CRDs). Two Ingresses, because Traefik serves an Ingress
 * that has a `tls` section on TLS routers only: on `web` it would answer 404.
 */
import * as crypto from 'crypto';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
import { Middleware, MiddlewareSpec } from '../../imports/traefik-middleware-traefik.io';
import { SystemChart } from './system-chart';
import { systemLabels } from './workload-identity';

export interface IngressRoute {
  readonly host: string;
  readonly service: string;
  readonly port: number;
}

export interface TraefikIngressProps {
  readonly name: string;
  /**
   * The IngressClass that serves it.
   * @default the cluster's ingressClass (config cluster.ingressClass)
   */
  readonly ingressClass?: string;
  readonly routes: IngressRoute[];
  /**
   * A TLS Secret covering every host, made by the user.
   * @default one Secret per host, `<host>-tls`, from cert-manager when cluster.tls.issuer is set; else plain HTTP
   */
  readonly tlsSecretName?: string;
}

const ENTRYPOINTS = 'traefik.ingress.kubernetes.io/router.entrypoints';
const MIDDLEWARES = 'traefik.ingress.kubernetes.io/router.middlewares';
/** HSTS max-age: one year, this host only (not its subdomains), not preloaded. */
const HSTS_SECONDS = 31536000;

/** The Secret cert-manager keeps a host's certificate in: `<host>-tls`, shortened with a hash past 253 characters. */
export function hostTlsSecretName(host: string): string {
  const name = `${host}-tls`;
  if (name.length <= 253) return name;
  const hash = crypto.createHash('sha256').update(host).digest('hex').slice(0, 8);
  return `${host.slice(0, 253 - 13).replace(/[.-]+$/, '')}-${hash}-tls`;
}

export class TraefikIngress extends Construct {
  constructor(scope: Construct, id: string, props: TraefikIngressProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    const issuer = chart.cluster.tls.issuer;
    const tls = issuer !== undefined || props.tlsSecretName !== undefined;
    const labels = systemLabels(chart.system, 'ingress');
    const spec = (withTls: boolean): k8s.IngressSpec => ({
      ingressClassName: props.ingressClass ?? chart.cluster.ingressClass,
      tls: !withTls
        ? undefined
        : props.tlsSecretName !== undefined
          ? [{ hosts: props.routes.map((r) => r.host), secretName: props.tlsSecretName }]
          : props.routes.map((r) => ({ hosts: [r.host], secretName: hostTlsSecretName(r.host) })),
      rules: props.routes.map((r) => ({
        host: r.host,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: r.service, port: { number: r.port } } } }] },
      })),
    });

    // Traefik's name of a Middleware object: <namespace>-<name>@kubernetescrd.
    const middleware = (name: string, behaviour: MiddlewareSpec) => {
      const made = new Middleware(this, name, { metadata: { name: `${props.name}-${name}`, labels }, spec: behaviour });
      return `${chart.namespace}-${made.name}@kubernetescrd`;
    };
    const hsts = tls ? middleware('hsts', { headers: { stsSeconds: HSTS_SECONDS } }) : undefined;
    const certManager = issuer !== undefined && props.tlsSecretName === undefined;

    new k8s.KubeIngress(this, 'ingress', {
      metadata: {
        name: props.name,
        labels,
        annotations: {
          [ENTRYPOINTS]: tls ? 'websecure' : 'web',
          ...(hsts ? { [MIDDLEWARES]: hsts } : {}),
          ...(certManager ? { 'cert-manager.io/cluster-issuer': issuer } : {}),
        },
      },
      spec: spec(tls),
    });
    if (!tls) return;

    new k8s.KubeIngress(this, 'http-redirect', {
      metadata: {
        name: `${props.name}-http-redirect`,
        labels,
        annotations: {
          [ENTRYPOINTS]: 'web',
          [MIDDLEWARES]: middleware('redirect-https', { redirectScheme: { scheme: 'https', permanent: true } }),
        },
      },
      spec: spec(false),
    });
  }
}
