/**
 * Checkov over every folder of dist/ with all its Kubernetes checks: zero failed. Deliberate
 * choices are silenced on their object with Checkov's own annotation (`checkov.io/skipN:
 * <id>=<reason>`, from charts/constructs/lint-exceptions.ts), never globally: no --skip-check,
 * no config file. A skip whose reason is not the one CHECKOV_REASONS gives its check fails too.
 *
 * Checkov is PyPI's, pinned, pip-installed once into a cached venv. It runs offline: no API key,
 * --skip-download (no policy metadata, guidelines or suppressions from Prisma Cloud / Bridgecrew),
 * BC_SKIP_MAPPING (no check-id mapping download), CKV_SKIP_PACKAGE_UPDATE_CHECK (no PyPI version
 * check). It runs in an empty folder with HOME pointed there and without the caller's CKV_*, BC_*,
 * CHECKOV_* and PRISMA_* variables, so no .checkov.yaml and no environment can skip a check.
 *
 * Every workload of a folder must be among the objects Checkov reports on, so a parser that
 * silently dropped one cannot pass it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { readManifests } from '../lib/dist';
import { listEnvironments } from '../lib/config-file';
import { CHECKOV_REASONS } from '../charts/constructs/lint-exceptions';
import { Check, REPO, pipVenv, run, withTempDir } from './check';

const CHECKOV_VERSION = '3.3.30';
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod']);

/** The checkov executable of the cached venv, pip-installed on first use. */
async function checkovBin(): Promise<string> {
  return path.join(await pipVenv(`checkov==${CHECKOV_VERSION}`), 'bin', 'checkov');
}

/** One result of Checkov's JSON report, the fields read here. */
interface Result {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly resource: string;
  /** A skipped check's reason, as Checkov read it from the annotation. */
  readonly check_result?: { readonly suppress_comment?: string };
}

/** The fields of a manifest read here. */
interface Manifest {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly parsing_errors: number;
  readonly resource_count: number;
  readonly checkov_version: string;
}

interface Report {
  readonly summary: Summary;
  readonly passed: Result[];
  readonly failed: Result[];
  readonly skipped: Result[];
  readonly parsingErrors: string[];
}

/**
 * Checkov's JSON: one report object for one framework (a list for several), or, when no object
 * had a check to run, its summary alone.
 */
function parseReport(json: string, folder: string): Report {
  const parsed: unknown = JSON.parse(json);
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
  if (reports.length !== 1) throw new Error(`${folder}: ${reports.length} Checkov reports, expected the kubernetes one alone`);
  const [report] = reports;
  if (!('results' in report)) return { summary: report as unknown as Summary, passed: [], failed: [], skipped: [], parsingErrors: [] };
  if (report.check_type !== 'kubernetes') throw new Error(`${folder}: a Checkov report of ${String(report.check_type)}, not kubernetes`);
  const results = report.results as Record<string, unknown>;
  return {
    summary: report.summary as Summary,
    passed: (results.passed_checks ?? []) as Result[],
    failed: (results.failed_checks ?? []) as Result[],
    skipped: (results.skipped_checks ?? []) as Result[],
    parsingErrors: (results.parsing_errors ?? []) as string[],
  };
}

/** Checkov's environment: no variable of the caller's that configures it, the offline switches on, HOME in `dir`. */
function offlineEnv(dir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(CKV_|BC_|CHECKOV_|PRISMA_)/.test(k)));
  return { ...env, HOME: dir, CKV_SKIP_PACKAGE_UPDATE_CHECK: 'true', BC_SKIP_MAPPING: 'TRUE' };
}

/** `Kind/name` of a result, read from its file (one object per file); for a pod template Checkov extracted, whose it is. */
function objectOf(folder: string, result: Result): string {
  const [kind] = result.resource.split('.');
  const file = path.join(folder, result.file_path);
  const object = fs.existsSync(file) ? (YAML.parse(fs.readFileSync(file, 'utf8'), { version: '1.1' }) as Manifest | null) : null;
  if (!object?.kind || !object.metadata?.name) return result.resource;
  const own = `${object.kind}/${object.metadata.name}`;
  return kind === object.kind ? own : `${own} (its ${kind} template)`;
}

/** Counts and findings of Checkov over every `<env>/<folder>` of a dist/ tree. */
export async function scan(dist: string): Promise<{ counts: string; findings: string[] }> {
  const bin = await checkovBin();
  const findings: string[] = [];
  const totals = { passed: 0, failed: 0, skipped: 0, objects: 0, resources: 0 };
  await withTempDir('checkov-', async (dir) => {
    for (const env of listEnvironments(path.join(REPO, 'config'))) {
      const envDir = path.join(dist, env);
      const folders = fs
        .readdirSync(envDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort();
      for (const name of folders) {
        const folder = path.join(envDir, name);
        const rel = path.join('dist', env, name);
        const args = ['--directory', folder, '--framework', 'kubernetes', '--output', 'json', '--skip-download', '--skip-results-upload'];
        const { code, stdout, stderr } = await run(bin, args, { cwd: dir, env: offlineEnv(dir) });
        // 0: nothing failed; 1: some check failed. Anything else is Checkov's own failure.
        if (code !== 0 && code !== 1) throw new Error(`checkov ${args.join(' ')} exited ${code}:\n${stderr || stdout}`);
        const report = parseReport(stdout, rel);
        const { summary } = report;
        if (summary.checkov_version !== CHECKOV_VERSION)
          throw new Error(`${rel}: Checkov ${summary.checkov_version} ran, not ${CHECKOV_VERSION}`);
        if (summary.parsing_errors > 0) findings.push(...report.parsingErrors.map((f) => `${path.join(rel, f)}: Checkov cannot parse it`));
        const at = (r: Result) => `${path.join(rel, r.file_path)}: ${objectOf(folder, r)}: ${r.check_id} ${r.check_name}`;
        const byPlace = (a: Result, b: Result) => a.file_path.localeCompare(b.file_path) || a.check_id.localeCompare(b.check_id);
        findings.push(...[...report.failed].sort(byPlace).map(at));
        for (const r of [...report.skipped].sort(byPlace)) {
          const reason = (CHECKOV_REASONS as Record<string, string>)[r.check_id];
          if (reason === undefined) findings.push(`${at(r)}: skipped, but CHECKOV_REASONS has no reason for ${r.check_id}`);
          else if (r.check_result?.suppress_comment !== reason)
            findings.push(`${at(r)}: skipped with "${r.check_result?.suppress_comment}", not CHECKOV_REASONS' reason`);
        }
        const objects = readManifests(folder) as (Manifest | null)[];
        const reported = new Set([...report.passed, ...report.failed, ...report.skipped].map((r) => r.resource));
        for (const o of objects) {
          if (!o?.kind || !WORKLOADS.has(o.kind)) continue;
          const id = `${o.kind}.${o.metadata?.namespace ?? 'default'}.${o.metadata?.name}`;
          if (!reported.has(id)) findings.push(`${rel}: ${o.kind}/${o.metadata?.name}: not among the objects Checkov checked (${id})`);
        }
        totals.passed += summary.passed;
        totals.failed += summary.failed;
        totals.skipped += summary.skipped;
        totals.objects += objects.length;
        totals.resources += summary.resource_count;
      }
    }
  });
  const counts =
    `checkov ${CHECKOV_VERSION}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped ` +
    `(silenced on their objects), ${totals.objects} objects (${totals.resources} resources with the pod templates Checkov extracts)`;
  return { counts, findings };
}

export const checkov: Check = {
  name: 'checkov',
  description: `Checkov ${CHECKOV_VERSION} with all its Kubernetes checks: no failed check, every skip on its object with its reason`,
  run: async () => {
    const { counts, findings } = await scan(path.join(REPO, 'dist'));
    if (findings.length > 0) throw new Error(`${counts}\n${findings.join('\n')}`);
    return counts;
  },
};
