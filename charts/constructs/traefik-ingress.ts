/** An Ingress for the k3s Traefik controller: one host per Service, optional TLS. */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { Construct } from 'constructs';
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
  /** A TLS Secret covering every host; without it Traefik serves plain HTTP on "web". */
  readonly tlsSecretName?: string;
}

export class TraefikIngress extends Construct {
  constructor(scope: Construct, id: string, props: TraefikIngressProps) {
    super(scope, id);
    const chart = SystemChart.of(this);
    const tls = props.tlsSecretName !== undefined;
    new k8s.KubeIngress(this, 'ingress', {
      metadata: {
        name: props.name,
        labels: systemLabels(chart.system, 'ingress'),
        annotations: { 'traefik.ingress.kubernetes.io/router.entrypoints': tls ? 'websecure' : 'web' },
      },
      spec: {
        ingressClassName: props.ingressClass ?? chart.cluster.ingressClass,
        tls: tls ? [{ hosts: props.routes.map((r) => r.host), secretName: props.tlsSecretName }] : undefined,
        rules: props.routes.map((r) => ({
          host: r.host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: r.service, port: { number: r.port } } } }] },
        })),
      },
    });
  }
}
