/** Where the cluster's own components live (k3s defaults): the context every system chart shares. */
import { z } from 'zod';
import { dnsLabel, dnsSubdomain, podSelector } from '../../lib/schema';

/** Where the cluster's own components live: k3s defaults. */
export const clusterSchema = z.strictObject({
  /** Pin every pod to arm64 nodes (the Raspberry Pis). */
  arm64: z.boolean().default(false),
  storageClass: dnsSubdomain.default('local-path'),
  ingressClass: dnsSubdomain.default('traefik'),
  traefik: z
    .strictObject({ namespace: dnsLabel.default('kube-system'), podLabels: podSelector.default({ 'app.kubernetes.io/name': 'traefik' }) })
    .prefault({}),
  dns: z
    .strictObject({ namespace: dnsLabel.default('kube-system'), podLabels: podSelector.default({ 'k8s-app': 'kube-dns' }) })
    .prefault({}),
  /** What watches the systems: prometheus-operator's objects, when the cluster runs it. */
  monitoring: z
    .strictObject({
      /**
       * Emit a PodMonitor, a PrometheusRule (the alerts) and a Grafana dashboard per system's
       * database (its metrics must be on); off: the pods only carry prometheus.io/scrape annotations.
       */
      prometheusOperator: z.boolean().default(false),
      /** Labels Prometheus selects its PodMonitors and rules by (kube-prometheus-stack: `release: <its name>`). */
      labels: podSelector.default({}),
    })
    .prefault({}),
  /** HTTPS on every Ingress, with certificates from cert-manager. */
  tls: z
    .strictObject({
      /**
       * The cert-manager ClusterIssuer that signs a certificate per Ingress host; HTTP is then
       * redirected to HTTPS. Unset: plain HTTP (dev), unless a system names its own TLS Secret.
       */
      issuer: dnsSubdomain.optional(),
    })
    .prefault({}),
});
export type ClusterConfig = z.output<typeof clusterSchema>;
