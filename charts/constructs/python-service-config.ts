/** The config schema of a Python API or worker (PythonService): image, replicas, resources, the seed's env. */
import { z } from 'zod';
import { ContainerResources, containerResources, dnsLabel, envValue, imageTag } from '../../lib/schema';

/** Refuses a PORT variable that differs from the port the container listens on (probes and Service use that one). */
function portMatches(port: number) {
  return (env: Record<string, string>, ctx: z.RefinementCtx) => {
    if (env.PORT !== undefined && env.PORT !== String(port)) {
      ctx.addIssue({
        code: 'custom',
        path: ['PORT'],
        message: `must be ${port}, the container port its Service and probes use (the seed's port): remove it or set ${port}`,
      });
    }
  };
}

/** The seed's environment variables of one API: known names only, each with the seed's default. */
function envSchema(defaults: Record<string, string>) {
  const fields = Object.fromEntries(Object.entries(defaults).map(([name, value]) => [name, envValue.default(value)]));
  return z.strictObject(fields).prefault({});
}

export interface ApiDefaults {
  readonly image: string;
  readonly resources: ContainerResources;
  readonly env: Record<string, string>;
  readonly internetEgress: boolean;
  /** The container port, which a PORT variable must equal. */
  readonly port?: number;
}

/** One Python API (or worker) of a system. */
export function apiSchema(defaults: ApiDefaults) {
  return z.strictObject({
    image: dnsLabel.default(defaults.image),
    /** Overrides the system's image tag for this workload only. */
    tag: imageTag.optional(),
    replicas: z.int().min(0).max(20).default(1),
    resources: containerResources.prefault(defaults.resources),
    env: defaults.port === undefined ? envSchema(defaults.env) : envSchema(defaults.env).superRefine(portMatches(defaults.port)),
    /** Allow HTTPS (443) to addresses outside the cluster's private ranges. */
    internetEgress: z.boolean().default(defaults.internetEgress),
  });
}
export type ApiConfig = z.output<ReturnType<typeof apiSchema>>;

/** Where a system's own images are pushed (the seed's `docker buildx --push`) and their release. */
export function imagesSchema(tag: string) {
  return z
    .strictObject({
      registry: z
        .string()
        .regex(
          /^[a-z0-9][a-z0-9.-]*(:[0-9]+)?(\/[a-z0-9._-]+)*$/,
          'must be a registry prefix such as "ghcr.io/me" or "registry.home.arpa:5000"',
        )
        .default('registry.home.arpa:5000'),
      tag: imageTag.default(tag),
    })
    .prefault({});
}
