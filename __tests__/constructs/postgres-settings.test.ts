/** Postgres settings derived from the container's limits: pgtune-like, monotonic in memory, within the limit. */
import { postgresCpuSettings, postgresMemorySettings, sharedMemoryBytes } from '../../charts/constructs/postgres-settings';
import { postgresSchema } from '../../charts/constructs/postgres-config';

const MiB = 2 ** 20;
const MEMORY_MIB = [256, 384, 512, 768, 1024, 1536, 2048, 4096, 8192, 16384, 65536];
const CONNECTIONS = [10, 20, 100, 300, 1000];
const SIZED = ['shared_buffers', 'effective_cache_size', 'maintenance_work_mem', 'work_mem'] as const;

/** The sized settings in MB, as numbers. */
function mb(memoryMiB: number, connections: number): Record<(typeof SIZED)[number], number> {
  const s = postgresMemorySettings(memoryMiB * MiB, connections);
  for (const k of SIZED) expect(s[k]).toMatch(/^[1-9][0-9]*MB$/);
  return Object.fromEntries(SIZED.map((k) => [k, parseInt(s[k], 10)])) as Record<(typeof SIZED)[number], number>;
}

describe('postgresMemorySettings', () => {
  test("a 1Gi limit with 100 connections gets pgtune's numbers: 256MB shared_buffers, not the seed's 16GB", () => {
    expect(postgresMemorySettings(1024 * MiB, 100)).toEqual({
      max_connections: '100',
      shared_buffers: '256MB',
      effective_cache_size: '768MB',
      maintenance_work_mem: '64MB',
      work_mem: '2MB',
    });
  });

  test.each(CONNECTIONS)('with %i connections, every sized setting is non-decreasing as memory grows', (connections) => {
    const rows = MEMORY_MIB.map((m) => mb(m, connections));
    for (let i = 1; i < rows.length; i++) {
      for (const k of SIZED) expect([MEMORY_MIB[i], k, rows[i][k] >= rows[i - 1][k]]).toEqual([MEMORY_MIB[i], k, true]);
    }
  });

  test.each(MEMORY_MIB)('at %i Mi, no setting exceeds its share of the limit or its cap; more connections never raise work_mem', (m) => {
    let previous = Infinity;
    for (const connections of CONNECTIONS) {
      const s = mb(m, connections);
      expect(s.shared_buffers).toBeLessThanOrEqual(m / 4);
      expect(s.effective_cache_size).toBeLessThanOrEqual(m);
      expect(s.maintenance_work_mem).toBeLessThanOrEqual(Math.min(m / 16, 1024));
      expect(s.work_mem).toBeLessThanOrEqual(64);
      expect(s.work_mem).toBeLessThanOrEqual(previous);
      previous = s.work_mem;
      // Above the 1MB floor, every connection's work_mem fits in a third of what shared_buffers leaves.
      if (s.work_mem > 1) expect(connections * s.work_mem).toBeLessThanOrEqual((m - s.shared_buffers) / 3);
      expect(postgresMemorySettings(m * MiB, connections).max_connections).toBe(String(connections));
    }
  });

  // At the construct's extremes (256Mi, 1000 connections) the 1MB work_mem floor would give 64MB + 1000 × 1MB: the schema refuses that.
  test('the config schema refuses more connections than fit at 1MB of work_mem each in half the memory', () => {
    const schema = postgresSchema({
      image: 'pgvector/pgvector:0.8.1-pg17',
      storage: '1Gi',
      resources: { cpu: '1', memory: '256Mi' },
      maxConnections: 20,
    });
    expect(() => schema.parse({ maxConnections: 1000 })).toThrow('1000 connections do not fit in 256Mi');
    expect(schema.parse({ maxConnections: 128 }).maxConnections).toBe(128);
    expect(() => schema.parse({ maxConnections: 129 })).toThrow('lower it to 128');
  });
});

describe('sharedMemoryBytes', () => {
  test.each([
    [256, 64],
    [1024, 256],
    [4096, 1024],
    [65536, 1024],
  ])('%i Mi gives a /dev/shm of %i Mi', (m, shm) => {
    expect(sharedMemoryBytes(m * MiB)).toBe(shm * MiB);
  });

  test('non-decreasing in memory, never above a quarter of the limit, and it holds maintenance_work_mem', () => {
    for (let i = 0; i < MEMORY_MIB.length; i++) {
      const shm = sharedMemoryBytes(MEMORY_MIB[i] * MiB) / MiB;
      if (i > 0) expect(shm).toBeGreaterThanOrEqual(sharedMemoryBytes(MEMORY_MIB[i - 1] * MiB) / MiB);
      expect(shm).toBeLessThanOrEqual(MEMORY_MIB[i] / 4);
      expect(shm).toBeGreaterThanOrEqual(mb(MEMORY_MIB[i], 20).maintenance_work_mem);
    }
  });
});

describe('postgresCpuSettings', () => {
  test.each([
    [250, 8, 0, 0],
    [999, 8, 0, 0],
    [1000, 8, 2, 2],
    [1500, 8, 2, 2],
    [2000, 8, 4, 4],
    [4000, 16, 8, 4],
  ])('%i millicores: %i worker processes, %i parallel workers, %i per gather', (millis, processes, parallel, gather) => {
    expect(postgresCpuSettings(millis)).toEqual({
      max_worker_processes: String(processes),
      max_parallel_workers: String(parallel),
      max_parallel_workers_per_gather: String(gather),
    });
  });

  test('per gather ≤ parallel workers ≤ worker processes, and at least the Postgres default of 8 processes', () => {
    for (let millis = 0; millis <= 16000; millis += 250) {
      const s = Object.values(postgresCpuSettings(millis)).map(Number);
      expect([s[2] <= s[1], s[1] <= s[0], s[0] >= 8]).toEqual([true, true, true]);
    }
  });
});
