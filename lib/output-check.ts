/**
 * The last gate before dist/ is written: every synthesized object must pass the API
 * server's syntax rules (lib/k8s-validation). A failure is reported against the config field
 * that produced the value, found by matching the value against the configuration's own.
 */
import { ConfigError, show } from './errors';
import { Violation, ruleOnly, validateObjects } from './k8s-validation';

/** etcd's default request limit is 1.5 MiB; an object this large is a mistake in any case. */
const MAX_OBJECT_BYTES = 1024 * 1024;

/** Every leaf of a parsed configuration: dotted path → value as text. */
function leaves(value: unknown, at: string[] = []): Array<[string, string]> {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return [[at.join('.'), String(value)]];
  if (typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
}

/**
 * The config field a bad output value most likely came from: one equal to it, else the
 * longest one it contains (a tag inside a label), else the shortest one that contains it
 * (a host inside a URL). Undefined when none does.
 */
export function sourceField(value: string, config: unknown): string | undefined {
  const all = leaves(config).filter(([, v]) => v.length >= 2);
  const exact = all.find(([, v]) => v === value);
  if (exact) return exact[0];
  const inside = all.filter(([, v]) => value.includes(v)).sort((a, b) => b[1].length - a[1].length)[0];
  if (inside) return inside[0];
  const around = all.filter(([, v]) => v.includes(value)).sort((a, b) => a[1].length - b[1].length)[0];
  return around?.[0];
}

/** The violations of the objects, the API server's rules and the size limit. */
export function outputViolations(objects: ReadonlyArray<Record<string, any>>): Violation[] {
  const tooLarge = objects.flatMap((o): Violation[] => {
    const bytes = Buffer.byteLength(JSON.stringify(o));
    if (bytes <= MAX_OBJECT_BYTES) return [];
    return [
      { object: `${o.kind} ${o.metadata?.name}`, field: '(whole object)', value: `${bytes} bytes`, message: 'must be at most 1 MiB' },
    ];
  });
  return [...validateObjects(objects), ...tooLarge];
}

/** Throws one ConfigError naming, for each violation (10 at most), the config field to change. */
export function assertValidOutput(objects: ReadonlyArray<Record<string, any>>, config: unknown, source: string): void {
  const violations = outputViolations(objects);
  if (violations.length === 0) return;
  const lines = violations.slice(0, 10).map((v) => {
    const field = sourceField(v.value, config);
    const what = `gives ${v.object} ${v.field} = ${show(v.value)}, which Kubernetes refuses: ${ruleOnly(v.message)}`;
    return field
      ? `${source}: ${field}: ${what}; change ${field}`
      : `${source}: ${what} (no config field holds it: please report this as a bug)`;
  });
  if (violations.length > 10) lines.push(`… and ${violations.length - 10} more`);
  throw new ConfigError(lines.join('\n'));
}
