/**
 * Postgres memory settings derived from the container's memory limit, in the spirit of
 * pgtune: a 1Gi Pi-sized limit gets 256MB of shared_buffers, never the seed's 16GB.
 */
import { postgresMegabytes } from '../../lib/quantity';

const MiB = 2 ** 20;

/** Settings passed as `postgres -c name=value`, in a stable order. */
export function postgresMemorySettings(memoryLimitBytes: number, maxConnections: number): Record<string, string> {
  const sharedBuffers = memoryLimitBytes / 4;
  const perConnection = (memoryLimitBytes - sharedBuffers) / (maxConnections * 3);
  return {
    max_connections: String(maxConnections),
    shared_buffers: postgresMegabytes(sharedBuffers),
    effective_cache_size: postgresMegabytes((memoryLimitBytes * 3) / 4),
    maintenance_work_mem: postgresMegabytes(Math.min(memoryLimitBytes / 16, 1024 * MiB)),
    work_mem: postgresMegabytes(Math.min(Math.max(perConnection, 1 * MiB), 64 * MiB)),
  };
}

/**
 * Size of the in-memory /dev/shm (the seed's shm_size): a quarter of the limit, at most
 * 1Gi. It counts against the limit, and must hold maintenance_work_mem for pgvector's
 * parallel HNSW builds.
 */
export function sharedMemoryBytes(memoryLimitBytes: number): number {
  return Math.min(memoryLimitBytes / 4, 1024 * MiB);
}

/**
 * Parallelism from the CPU limit, scaled like the seed's (4 workers per gather and 8
 * worker processes at its 2-CPU limit): two parallel workers per whole core, at most 4,
 * none below one core; at least 8 worker processes, the Postgres default.
 */
export function postgresCpuSettings(cpuLimitMillis: number): Record<string, string> {
  const cores = Math.floor(cpuLimitMillis / 1000);
  const perGather = Math.min(4, cores * 2);
  return {
    max_worker_processes: String(Math.max(8, cores * 4)),
    max_parallel_workers: String(cores * 2),
    max_parallel_workers_per_gather: String(perGather),
  };
}
