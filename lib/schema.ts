/**
 * The building blocks of every config schema (zod): quantities with floors, DNS names, image
 * references, selectors, role names, env values; and how a parse failure becomes one line per
 * problem naming the file, the field and the fix.
 */
import { z } from 'zod';
import { ConfigError, show } from './errors';
import { dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors, ruleOnly } from './k8s-validation';
import { cpuMillis, memoryBytes } from './quantity';

export const cpu = z
  .union([z.string(), z.number()], { error: 'a CPU quantity such as "250m" or "1"' })
  .transform(String)
  .refine((q) => cpuMillis(q) !== undefined, 'must be a CPU quantity such as "250m" or "1"')
  .refine((q) => cpuMillis(q)! >= 1, 'must be at least 1m (a thousandth of a CPU), such as "250m" or "1"');

export const memory = z
  .union([z.string(), z.number()], { error: 'a memory quantity such as "256Mi" or "1Gi"' })
  .transform(String)
  .refine((q) => memoryBytes(q) !== undefined, 'must be a memory quantity such as "256Mi" or "1Gi"')
  .refine(
    (q) => memoryBytes(q)! >= 16 * 2 ** 20,
    'must be at least 16Mi: no container starts in less; write a size such as "256Mi" or "1Gi"',
  );

export const compute = z.strictObject({ cpu, memory });
export type Compute = z.output<typeof compute>;

/** Requests and limits of one container; a request above its limit is refused. */
export const containerResources = z.strictObject({ requests: compute, limits: compute }).superRefine((r, ctx) => {
  if (memoryBytes(r.limits.memory)! < 32 * 2 ** 20) {
    ctx.addIssue({ code: 'custom', path: ['limits', 'memory'], message: 'must be at least 32Mi: a Python service does not start in less' });
  }
  if (cpuMillis(r.limits.cpu)! < 10) {
    ctx.addIssue({
      code: 'custom',
      path: ['limits', 'cpu'],
      message: 'must be at least 10m: below that the service cannot start within its probes',
    });
  }
  if (cpuMillis(r.requests.cpu)! > cpuMillis(r.limits.cpu)!) {
    ctx.addIssue({
      code: 'custom',
      path: ['requests', 'cpu'],
      message: `request ${r.requests.cpu} is above the limit ${r.limits.cpu}: lower the request or raise the limit`,
    });
  }
  if (memoryBytes(r.requests.memory)! > memoryBytes(r.limits.memory)!) {
    ctx.addIssue({
      code: 'custom',
      path: ['requests', 'memory'],
      message: `request ${r.requests.memory} is above the limit ${r.limits.memory}: lower the request or raise the limit`,
    });
  }
});
export type ContainerResources = z.output<typeof containerResources>;

/** RFC 1123 label: namespaces and Kubernetes object names. */
export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", at most 63 characters');

/** RFC 1123 subdomain: StorageClass and IngressClass names ("nfs.csi.k8s.io"). */
export const dnsSubdomain = z.string().refine((v) => dns1123SubdomainErrors(v).length === 0, {
  error: (issue) => {
    const rule = ruleOnly(dns1123SubdomainErrors(String(issue.input))[0] ?? 'must be a DNS name');
    return `${rule} (lower-case letters, digits, "-" and ".")`;
  },
});

export const IPV4 = /^[0-9]+(\.[0-9]+){3}$/;

/** RFC 1123 subdomain that is not an IP address: Ingress hosts. */
export const hostname = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    'must be a DNS name such as "api.home.arpa" (lower case, no scheme, no port)',
  )
  .refine(
    (h) => !IPV4.test(h),
    'must be a DNS name, not an IP address (Kubernetes refuses IP hosts in an Ingress): use a name such as "api.home.arpa"',
  );

export const imageTag = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag such as "1.0.0"')
  .refine((t) => t !== 'latest', 'must not be "latest": pin a release tag so that a rollback is a git revert');

/** A full image reference pinned to a tag or digest, never ":latest" or untagged. */
export const pinnedImage = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._/:-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[0-9a-f]{64})$/,
    'must be an image reference with a tag, such as "pgvector/pgvector:0.8.1-pg17-bookworm"',
  )
  .refine((i) => !i.endsWith(':latest'), 'must not be ":latest": pin a release tag');

/** Pod labels that select other pods (Traefik, DNS, Prometheus): valid, and never empty (empty selects every pod). */
export const podSelector = z.record(z.string(), z.string()).superRefine((labels, ctx) => {
  if (Object.keys(labels).length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must name at least one label: an empty selector matches every pod of the namespace' });
  }
  for (const [key, value] of Object.entries(labels)) {
    const problems = [
      ...qualifiedNameErrors(key).map((e) => `label key ${show(key)} ${e}`),
      ...labelValueErrors(value).map((e) => `label value ${show(value)} ${e}`),
    ];
    for (const message of problems) ctx.addIssue({ code: 'custom', path: [key], message });
  }
});

/** Names Postgres keeps for itself: reserved words and the predefined roles' prefix. */
const RESERVED_ROLES = ['public', 'none', 'all', 'user', 'current_user', 'current_role', 'session_user', 'system_user'];

/** A Postgres role name that needs no quoting. */
export const roleName = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,62}$/,
    'must be a Postgres role name: lower-case letters, digits and "_", not starting with a digit, at most 63 characters',
  )
  .refine((r) => !r.startsWith('pg_'), 'must not start with "pg_": Postgres keeps that prefix for its predefined roles (initdb refuses it)')
  .refine((r) => !RESERVED_ROLES.includes(r), `must not be a reserved word (${RESERVED_ROLES.join(', ')}): choose another name`);

/** The longest environment value taken: a longer one belongs in a Secret or ConfigMap file. */
export const MAX_ENV_VALUE = 32 * 1024;

export const envValue = z
  .union([z.string(), z.number(), z.boolean()], { error: 'a single value (text, a number, true or false)' })
  .transform(String)
  .refine((v) => v.length <= MAX_ENV_VALUE, `must be at most ${MAX_ENV_VALUE / 1024} KiB: put a longer value in a file the image reads`);

/**
 * Treats a field left empty (`tag:`, or a section whose children are all commented out) as
 * not given, so that its default applies, as a reader of the YAML would expect.
 */
function withoutEmptyFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmptyFields);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutEmptyFields(v)]),
  );
}

/**
 * Validates already-parsed YAML against `schema`; `source` names the file in messages. A
 * failure is a ConfigError with one line per problem (ten at most).
 */
export function parseWith<T extends z.ZodType>(schema: T, raw: unknown, source: string): z.output<T> {
  const result = schema.safeParse(withoutEmptyFields(raw ?? {}));
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `${source}: ${describePath(issue.path)}: ${describeIssue(issue)}`);
  const shown = lines.slice(0, 10);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more problems in ${source}: fix these first`);
  throw new ConfigError(shown.join('\n'));
}

function describePath(p: PropertyKey[]): string {
  return p.length === 0
    ? '(top level)'
    : p.map((part) => (/^[A-Za-z0-9_-]{1,60}$/.test(String(part)) ? String(part) : show(String(part)))).join('.');
}

/** What to write for a type zod expects, in the words of a YAML file. */
const WRITE: Record<string, string> = {
  object: 'a mapping (name: value lines)',
  array: 'a list',
  int: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  string: 'text',
};

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return (
        `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => show(k)).join(', ')}: ` +
        'remove it or check its spelling against config/schema.json'
      );
    case 'invalid_type': {
      const write = WRITE[issue.expected] ?? `a ${issue.expected}`;
      if (issue.message.endsWith('received undefined')) return `missing: add this field (${write})`;
      return `${issue.message.replace(/^Invalid input: /, '')}: write ${write} here`;
    }
    case 'invalid_union': {
      // The union's own message says what it takes; its alternatives' issues say what was given.
      const received = /received (\w+)$/.exec(issue.errors[0]?.[0]?.message ?? '')?.[1];
      if (received === 'undefined') return `missing: add this field (${issue.message})`;
      return `expected ${issue.message}${received ? `, received ${received}` : ''}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
    case 'too_big':
      return `${issue.message}: change the value`;
    default:
      return issue.message;
  }
}
