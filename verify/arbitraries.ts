/**
 * fast-check arbitraries for config values, in the schemas' own terms (lib/schema, the
 * constructs' config schemas): the building blocks of the fuzz check's random configurations.
 * A system's folder may have a fuzz.ts exporting `sectionArbitrary`, built from these.
 */
import fc from 'fast-check';

export const label = (max: number) => fc.stringMatching(new RegExp(`^[a-z]([-a-z0-9]{0,${max}}[a-z0-9])?$`));
export const subdomain = fc.array(label(8), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.'));
export const cpu = fc.oneof(
  fc.integer({ min: 1, max: 4000 }).map((m) => `${m}m`),
  fc.constantFrom('1', '2', '0.5', '1.5'),
);
export const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/).filter((t) => t !== 'latest');
export const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
export const postgresImage = fc.oneof(
  tag.map((t) => `pgvector/pgvector:${t}`),
  hex64.map((h) => `registry.home.arpa:5000/pgvector@sha256:${h}`),
);
export const envValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('$(JWT_SECRET_KEY)', '$$(X)', '$', 'a\nb', '---', 'ѕecret', '{{ x }}', '"quoted"', "it's", '#comment', ' '),
  fc.integer(),
  fc.boolean(),
);
export const ALL_ZONES = Intl.supportedValuesOf('timeZone');
const cronField = (min: number, max: number, names: string[] = []) =>
  fc.oneof(
    fc.constant('*'),
    fc.integer({ min, max }).map(String),
    fc.tuple(fc.integer({ min, max }), fc.integer({ min, max })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: max - min + 1 }).map((step) => `*/${step}`),
    ...(names.length > 0
      ? [fc.constantFrom(...names), fc.constantFrom(...names.slice(0, 3)).map((n) => `${n}-${names[names.length - 1]}`)]
      : []),
  );
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
export const schedule = fc.oneof(
  fc.constantFrom('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'),
  fc.tuple(cronField(0, 59), cronField(0, 23), cronField(1, 31), cronField(1, 12, MONTHS), cronField(0, 6, DAYS)).map((f) => f.join(' ')),
);

/** Optional fields: each present or left to its default. */
export const some = <T extends Record<string, fc.Arbitrary<unknown>>>(fields: T) => fc.record(fields, { requiredKeys: [] });

/** Requests at or below limits, limits at or above the floors: what a user means to write. */
export const resources = fc
  .tuple(
    fc.integer({ min: 10, max: 4000 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 32, max: 4096 }),
    fc.double({ min: 0, max: 1, noNaN: true }),
  )
  .map(([cpuLimit, cpuShare, memLimit, memShare]) => ({
    requests: { cpu: `${Math.max(1, Math.floor(cpuLimit * cpuShare))}m`, memory: `${Math.max(16, Math.floor(memLimit * memShare))}Mi` },
    limits: { cpu: `${cpuLimit}m`, memory: `${memLimit}Mi` },
  }));
export const api = (env: Record<string, fc.Arbitrary<unknown>>) =>
  some({ tag, replicas: fc.integer({ min: 0, max: 20 }), resources, env: some(env), internetEgress: fc.boolean() });
export const postgres = some({
  image: postgresImage,
  storage: fc.integer({ min: 1, max: 100 }).map((g) => `${g}Gi`),
  resources: fc.record({ cpu, memory: fc.integer({ min: 256, max: 8192 }).map((m) => `${m}Mi`) }),
  maxConnections: fc.integer({ min: 10, max: 1000 }),
  backup: some({
    enabled: fc.boolean(),
    schedule,
    timeZone: fc.constantFrom(...ALL_ZONES),
    keep: fc.integer({ min: 1, max: 365 }),
    storageClass: subdomain,
    size: fc.integer({ min: 1, max: 50 }).map((g) => `${g}Gi`),
  }),
  metrics: some({
    enabled: fc.boolean(),
    scrapeFrom: some({ namespace: label(10), podLabels: fc.dictionary(label(8), label(8), { minKeys: 1, maxKeys: 2 }) }),
  }),
});

/** A Postgres role name, as roleName takes it (some refused: reserved words, pg_*). */
export const roleName = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/);
