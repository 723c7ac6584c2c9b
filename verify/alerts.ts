/**
 * The alerts of every system, checked and unit-tested by Prometheus' own promtool (3.15.0,
 * built in tools/promtool/):
 *
 * - each PrometheusRule object (monitoring.coreos.com/v1) of dist/<env>/<folder>/ has its
 *   `spec` (the rule groups) written to a rule file, and `promtool check rules --lint=all
 *   --lint-fatal` must find no problem in any of them; none at all fails the check, so it
 *   never passes on nothing;
 * - each system's `alerts.test.yaml` and `alerts.<env>.test.yaml` (beside its index.ts) are promtool
 *   rule tests whose `covers: { env: <env> }` names the environment each tests: the key is stripped, `rule_files`
 *   is written at run time (the system's PrometheusRules of that env, their annotations
 *   dropped: names, labels and expressions are the contract, the summaries are prose), and
 *   `promtool test rules` must pass. Every alert of those rules needs a case where it fires and
 *   one where it does not, and a case may name no alert the rules lack (it would pass on
 *   nothing). A PrometheusRule of dist/<env>/<system>/ that no test file of the system covers fails
 *   (the engines' rules differ: prod's are not ha's).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ensureTool } from '../lib/tools';
import { Check, REPO, exec, run, withTempDir } from './check';
import { readManifests } from '../lib/dist';
import { SYSTEMS } from '../app/registry';

export const TEST_FILE = 'alerts.test.yaml';
/** A system's alert test files: alerts.test.yaml, or alerts.<env>.test.yaml for another environment. */
const TEST_FILES = /^alerts(\.[a-z0-9][-a-z0-9]*)?\.test\.yaml$/;

/** One PrometheusRule of dist/, its groups written to a rule file. */
interface RuleFile {
  readonly env: string;
  readonly folder: string;
  readonly name: string;
  readonly file: string;
  readonly groups: unknown[];
  readonly alerts: string[];
  readonly rules: number;
}

/** The promtool to run, and how the summary names it. */
export interface Promtool {
  readonly binary: string;
  readonly label: string;
}

const dirs = (dir: string): string[] =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const output = (o: { stdout: string; stderr: string }) => `${o.stdout}${o.stderr}`.trim().replace(/^/gm, '  ');

/** Every PrometheusRule of dist/<env>/<folder>/, its groups written under `outDir`. */
function extractRules(dist: string, outDir: string): RuleFile[] {
  const found: RuleFile[] = [];
  for (const env of dirs(dist)) {
    for (const folder of dirs(path.join(dist, env))) {
      for (const obj of readManifests(path.join(dist, env, folder))) {
        if (obj?.kind !== 'PrometheusRule') continue;
        const where = `dist/${env}/${folder}: PrometheusRule ${obj.metadata?.name}`;
        if (obj.apiVersion !== 'monitoring.coreos.com/v1')
          throw new Error(`${where}: apiVersion ${obj.apiVersion}, not monitoring.coreos.com/v1`);
        const groups: unknown = obj.spec?.groups;
        if (!Array.isArray(groups) || groups.length === 0) throw new Error(`${where}: spec.groups is not a non-empty list`);
        const rules = groups.flatMap((g: { rules?: unknown }) => (Array.isArray(g?.rules) ? g.rules : []));
        const file = path.join(outDir, env, folder, `${obj.metadata.name}.rules.yaml`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, YAML.stringify({ groups }));
        found.push({
          env,
          folder,
          name: obj.metadata.name,
          file,
          groups,
          alerts: rules.filter((r: { alert?: unknown }) => typeof r?.alert === 'string').map((r: { alert: string }) => r.alert),
          rules: rules.length,
        });
      }
    }
  }
  return found;
}

/** The groups without their rules' annotations, for the unit tests. */
function withoutAnnotations(groups: unknown[]): unknown[] {
  return groups.map((g) =>
    isObject(g) && Array.isArray(g.rules)
      ? {
          ...g,
          rules: g.rules.map((r: unknown) =>
            isObject(r) ? Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'annotations')) : r,
          ),
        }
      : g,
  );
}

interface TestCase {
  alertname?: unknown;
  exp_alerts?: unknown;
}

/**
 * A system's test file made runnable: `covers` checked and stripped, `rule_files` added.
 * Returns its path and its counts, or throws what is wrong with it.
 */
function prepareTest(
  system: string,
  source: string,
  rules: RuleFile[],
  outDir: string,
): { file: string; env: string; groups: number; cases: number } {
  const where = path.relative(REPO, source);
  const doc: unknown = YAML.parse(fs.readFileSync(source, 'utf8'));
  if (!isObject(doc)) throw new Error(`${where}: not a YAML mapping`);
  const { covers, ...test } = doc;
  if (!isObject(covers) || typeof covers.env !== 'string' || Object.keys(covers).length !== 1)
    throw new Error(
      `${where}: needs \`covers: { env: <env> }\` (the environment whose ${system} alerts it tests), and nothing else under covers`,
    );
  if ('rule_files' in test) throw new Error(`${where}: has rule_files; the check writes them (from covers.env)`);
  const env = covers.env;
  const covered = rules.filter((r) => r.env === env && r.folder === system);
  if (covered.length === 0) throw new Error(`${where}: covers ${env}, but dist/${env}/${system} has no PrometheusRule`);

  const tests = Array.isArray(test.tests) ? test.tests : [];
  const cases: TestCase[] = tests.flatMap((t: { alert_rule_test?: unknown }) =>
    Array.isArray(t?.alert_rule_test) ? t.alert_rule_test : [],
  );
  const exprCases = tests.flatMap((t: { promql_expr_test?: unknown }) => (Array.isArray(t?.promql_expr_test) ? t.promql_expr_test : []));
  const alerts = new Set(covered.flatMap((r) => r.alerts));
  const problems: string[] = [];
  for (const c of cases) {
    if (typeof c.alertname !== 'string' || !alerts.has(c.alertname))
      problems.push(`a case tests ${JSON.stringify(c.alertname)}, which dist/${env}/${system} has no alert of (it would pass on nothing)`);
  }
  for (const alert of alerts) {
    const mine = cases.filter((c) => c.alertname === alert);
    const fires = mine.some((c) => Array.isArray(c.exp_alerts) && c.exp_alerts.length > 0);
    const silent = mine.some((c) => c.exp_alerts === undefined || (Array.isArray(c.exp_alerts) && c.exp_alerts.length === 0));
    if (!fires) problems.push(`${alert}: no case where it fires`);
    if (!silent) problems.push(`${alert}: no case where it does not fire`);
  }
  if (problems.length > 0)
    throw new Error(`${where} (covers dist/${env}/${system}):\n${[...new Set(problems)].map((p) => `  ${p}`).join('\n')}`);

  const ruleFiles = covered.map((r) => {
    const file = path.join(outDir, 'unit', env, system, path.basename(r.file));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, YAML.stringify({ groups: withoutAnnotations(r.groups) }));
    return file;
  });
  const file = path.join(outDir, 'unit', env, system, TEST_FILE);
  fs.writeFileSync(file, YAML.stringify({ rule_files: ruleFiles, ...test }));
  return { file, env, groups: tests.length, cases: cases.length + exprCases.length };
}

/**
 * The whole check over a dist/ folder and the systems' folders (for the suite: the
 * repository's; for trying it: copies in a temporary folder). Returns the summary's counts.
 */
export async function checkAlerts(dist: string, systems: { name: string; dir: string }[], promtool: Promtool): Promise<string> {
  return withTempDir('alerts-', async (tmp) => {
    const rules = extractRules(dist, path.join(tmp, 'rules'));
    if (rules.length === 0)
      throw new Error(
        `no PrometheusRule (monitoring.coreos.com/v1) in ${path.relative(REPO, dist) || dist}/*/*/: ` +
          'every system is to carry its alerts; nothing to check is a failure, not a pass',
      );

    const check = await run(promtool.binary, ['check', 'rules', '--lint=all', '--lint-fatal', ...rules.map((r) => r.file)]);
    const found = [...check.stdout.matchAll(/SUCCESS: (\d+) rules found/g)].reduce((n, m) => n + Number(m[1]), 0);
    const expected = rules.reduce((n, r) => n + r.rules, 0);
    if (check.code !== 0 || check.stderr.trim() !== '') throw new Error(`promtool check rules (exit ${check.code}):\n${output(check)}`);
    if (found !== expected)
      throw new Error(`promtool check rules found ${found} rules, the PrometheusRules hold ${expected}:\n${output(check)}`);

    const failures: string[] = [];
    let testFiles = 0;
    let groups = 0;
    let cases = 0;
    for (const system of systems) {
      const sources = fs.existsSync(system.dir)
        ? fs
            .readdirSync(system.dir)
            .filter((f) => TEST_FILES.test(f))
            .sort()
        : [];
      const covered = new Set<string>();
      for (const name of sources) {
        const source = path.join(system.dir, name);
        try {
          const test = prepareTest(system.name, source, rules, tmp);
          if (covered.has(test.env)) throw new Error(`${path.relative(REPO, source)}: a second test file covering ${test.env}`);
          covered.add(test.env);
          const result = await run(promtool.binary, ['test', 'rules', test.file]);
          if (result.code !== 0)
            throw new Error(`promtool test rules ${path.relative(REPO, source)} (exit ${result.code}):\n${output(result)}`);
          testFiles++;
          groups += test.groups;
          cases += test.cases;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      for (const env of new Set(rules.filter((r) => r.folder === system.name).map((r) => r.env))) {
        if (!covered.has(env))
          failures.push(
            `dist/${env}/${system.name} has a PrometheusRule and no unit test covers it: ` +
              `add ${path.relative(REPO, path.join(system.dir, `alerts.${env}.test.yaml`))} with covers: { env: ${env} }`,
          );
      }
    }
    if (failures.length > 0) throw new Error(failures.join('\n'));

    const envs = [...new Set(rules.map((r) => r.env))].join(', ');
    return (
      `${promtool.label}: ${rules.length} rule files (${envs}), ${expected} rules checked, 0 problems; ` +
      `${testFiles} unit-test files, ${cases} cases in ${groups} tests passed`
    );
  });
}

export const alerts: Check = {
  name: 'alerts',
  description:
    "promtool check rules finds no problem in any PrometheusRule of dist/, and every system's alert tests pass promtool test rules",
  run: async () => {
    const binary = ensureTool('promtool', (line) => console.error(line));
    const version = (await exec(binary, ['--version'])).match(/version (\S+)/)?.[1] ?? 'of unknown version';
    return checkAlerts(
      path.join(REPO, 'dist'),
      SYSTEMS.map((s) => ({ name: s.name, dir: s.dir })),
      { binary, label: `promtool ${version}` },
    );
  },
};
