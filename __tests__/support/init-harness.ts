/**
 * What the Postgres init-file suites share: running the entrypoint harness (postgres-entrypoint.sh)
 * with psql and checking its runs, writing a synthesized ConfigMap as the volume the pod mounts,
 * deterministic embeddings and an HNSW round trip, and the rule that these suites need psql (fail
 * in CI, skip elsewhere).
 */
import type { PGlite } from '@electric-sql/pglite';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { PgliteServer } from './pglite-server';

const HARNESS = path.join(__dirname, 'postgres-entrypoint.sh');

/** True when an executable named command is on PATH. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the entrypoint harness asynchronously (the server shares this process's event loop). */
export function entrypoint(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', [HARNESS], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** PGHOST and PGPORT pointing psql at a PGlite server. */
export function pgEnv(pg: PgliteServer): { PGHOST: string; PGPORT: string } {
  return { PGHOST: '127.0.0.1', PGPORT: String(pg.port) };
}

/** Expects a run that exited 0 without ERROR or FATAL, whose output contains each of `output`. */
export function expectClean(run: Run, ...output: string[]): void {
  expect(run.stderr).not.toMatch(/ERROR|FATAL/);
  expect(run.code).toBe(0);
  for (const text of output) expect(run.stdout).toContain(text);
}

/** Runs the entrypoint again and expects a clean run that leaves snapshot() as it was. */
export async function expectRerunChangesNothing(env: Record<string, string>, snapshot: () => Promise<unknown>): Promise<void> {
  const before = await snapshot();
  expectClean(await entrypoint(env));
  expect(await snapshot()).toEqual(before);
}

/** Writes files into a new temporary directory with the given mode. */
export function writeDir(prefix: string, files: Record<string, string>, mode: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    fs.chmodSync(file, mode);
  }
  return dir;
}

/** Writes a synthesized ConfigMap's data into a new temporary directory, 0444 as its volume's defaultMode. */
export function writeConfigMap(configMap: { metadata: { name: string }; data: Record<string, string> }): string {
  return writeDir(`${configMap.metadata.name}-`, configMap.data, 0o444);
}

/** A deterministic 384-dimension vector, in pgvector's text form. */
export function embedding(i: number, noise = 0): string {
  return `[${Array.from({ length: 384 }, (_, j) => Math.sin(i * 12.9898 + j * 78.233) + noise * Math.cos(j)).join(',')}]`;
}

/**
 * Creates `table` (id, embedding vector(384)) with `count` deterministic rows and the HNSW index
 * `<table>_hnsw`, then, with sequential scans off, asks for the 3 nearest neighbours of a slightly
 * moved copy of row `target`. Returns their ids and the query's plan. Run it as the role under test.
 */
export async function hnswNeighbours(db: PGlite, table: string, count = 300, target = 123): Promise<{ ids: number[]; plan: string }> {
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  await db.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, embedding vector(384) NOT NULL)`);
  await db.query(`INSERT INTO ${table} SELECT id, v::vector FROM unnest($1::int[], $2::text[]) AS t(id, v)`, [
    ids,
    ids.map((i) => embedding(i)),
  ]);
  await db.exec(`CREATE INDEX ${table}_hnsw ON ${table} USING hnsw (embedding vector_l2_ops); SET enable_seqscan = off`);
  try {
    const query = `SELECT id FROM ${table} ORDER BY embedding <-> $1::vector LIMIT 3`;
    const near = embedding(target, 0.01);
    const plan = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${query}`, [near])).rows.map((r) => r['QUERY PLAN']).join('\n');
    return { ids: (await db.query<{ id: number }>(query, [near])).rows.map((r) => r.id), plan };
  } finally {
    await db.exec('RESET enable_seqscan');
  }
}

/**
 * describe() for suites that run init files with psql. Without psql on PATH they are skipped with
 * a warning, except under CI=true where a failing test says psql must be installed.
 */
export function describeWithPsql(title: string, fn: () => void): void {
  if (onPath('psql')) {
    describe(title, fn);
    return;
  }
  if (process.env.CI === 'true') {
    test('psql is on PATH (required in CI to run the Postgres init files)', () => {
      throw new Error('psql is missing: install the PostgreSQL client (e.g. apt-get install postgresql-client)');
    });
  } else {
    const file = path.basename(expect.getState().testPath ?? 'init suite');
    console.warn(`${file}: psql is missing from PATH, skipping the Postgres init tests (they fail in CI)`);
  }
  describe.skip(title, fn);
}
