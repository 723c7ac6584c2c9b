/**
 * renovate.json, the bot that keeps the pinned images and tools current, checked two ways.
 *
 * 1. Renovate's own `renovate-config-validator --strict` (a pinned Renovate, npm-installed once
 *    into ~/.cache/pi-gitops/renovate-<version>-node-<node>/ with the Node it needs, which may be
 *    newer than the project's) accepts the file, and refuses a copy with a misspelled option, so
 *    a validator that accepts anything cannot pass unseen.
 * 2. Its custom managers really match: each one's managerFilePatterns and matchStrings are
 *    applied to the repository's files as Renovate applies them (JavaScript RegExp, flag g; the
 *    patterns must also be RE2 syntax, which hosted Renovate uses), and what they extract must be
 *    exactly what the project pins, found independently: every `image:` of config/<env>.yaml
 *    (parsed as YAML), every image reference written as a string literal in the charts, systems,
 *    app, lib and scripts, every Go tool of lib/tools.ts (by module path, its ldflags' copy of
 *    the version inside the match so that it moves too) and the versions this file pins. Every
 *    dependency once, nothing else; each replacement template gives the match back unchanged
 *    and, given a digest, a reference the config schema accepts. Every package rule must name a
 *    dependency that exists, so a misspelled name cannot silently group or disable nothing.
 *
 * Renovate is not in package.json: it is large, and only this check needs it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { pinnedImage } from '../lib/schema';
import { GO_TOOLS, toolCacheDir } from '../lib/tools';
import { Check, REPO, exec, requireCommand, run } from './check';

// renovate: datasource=npm depName=renovate
export const RENOVATE_VERSION = '44.121.2';
// renovate: datasource=npm depName=node
export const NODE_VERSION = '24.21.0';

const CONFIG = 'renovate.json';

// ---------------------------------------------------------------------------------------------
// The validator

interface Validator {
  readonly node: string;
  readonly script: string;
}

/** The pinned Renovate and its Node, npm-installed on first use. */
async function validator(): Promise<Validator> {
  const dir = path.join(toolCacheDir(), `renovate-${RENOVATE_VERSION}-node-${NODE_VERSION}`);
  const done = path.join(dir, '.installed');
  const node = path.join(dir, 'node_modules', 'node', 'bin', 'node');
  const script = path.join(dir, 'node_modules', 'renovate', 'dist', 'config-validator.js');
  if (!fs.existsSync(done)) {
    requireCommand('npm', 'install Node.js with npm');
    console.error(`installing renovate ${RENOVATE_VERSION} and node ${NODE_VERSION} with npm (once; cached in ${dir})`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    // The node package's preinstall fetches its binary from the registry (node-linux-<arch>):
    // allowed by name for npm versions that block dependencies' install scripts.
    const manifest = {
      private: true,
      description: 'pi-gitops verify: renovate-config-validator',
      allowScripts: { [`node@${NODE_VERSION}`]: true },
    };
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    await exec(
      'npm',
      [
        'install',
        '--prefix',
        dir,
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--loglevel=error',
        `renovate@${RENOVATE_VERSION}`,
        `node@${NODE_VERSION}`,
      ],
      { cwd: dir },
    );
    const version = (await exec(node, ['--version'])).trim();
    if (version !== `v${NODE_VERSION}`) throw new Error(`${node} reports ${version}, not v${NODE_VERSION}: remove ${dir} to reinstall`);
    if (!fs.existsSync(script)) throw new Error(`${script} missing after npm install: remove ${dir} to reinstall`);
    fs.writeFileSync(done, '');
  }
  return { node, script };
}

/** The validator's verdict on one file: its exit code and output. */
async function validate(v: Validator, file: string): Promise<{ code: number; output: string }> {
  // re2 (optional, a native build) does not install here: Renovate falls back to RegExp, and
  // the RE2 syntax of the patterns is checked below instead.
  const env = { ...process.env, RENOVATE_X_IGNORE_RE2: 'true', LOG_LEVEL: 'info' };
  const { code, stdout, stderr } = await run(v.node, [v.script, '--strict', '--no-global', file], { env, cwd: path.dirname(file) });
  return { code, output: (stdout + stderr).trim() };
}

// ---------------------------------------------------------------------------------------------
// The managers, applied as Renovate applies them

export interface CustomManager {
  readonly customType: string;
  readonly description?: string;
  readonly managerFilePatterns: string[];
  readonly matchStrings: string[];
  readonly matchStringsStrategy?: string;
  readonly depNameTemplate?: string;
  readonly packageNameTemplate?: string;
  readonly datasourceTemplate?: string;
  readonly autoReplaceStringTemplate?: string;
}

export interface RenovateConfig {
  readonly ignorePaths?: string[];
  readonly customManagers?: CustomManager[];
  readonly packageRules?: Array<Record<string, unknown>>;
  readonly postUpgradeTasks?: { commands?: string[]; fileFilters?: string[] };
}

/** One dependency a manager extracted: where, what, and the text Renovate would replace. */
export interface Extracted {
  readonly manager: number;
  readonly file: string;
  readonly depName: string;
  readonly datasource: string;
  readonly currentValue: string;
  readonly currentDigest?: string;
  readonly replaceString: string;
  /** Where the match starts in the file. */
  readonly offset: number;
}

/** A "/regex/flags" pattern of managerFilePatterns; globs are refused (verify could not apply them as Renovate does). */
function filePattern(pattern: string): RegExp {
  const m = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (!m) throw new Error(`managerFilePatterns "${pattern}": write it as a /regex/ so this check can apply it`);
  return new RegExp(m[1], m[2]);
}

/** A glob of ignorePaths ("**", "*"), as a RegExp on repository paths. */
function globRegExp(glob: string): RegExp {
  const body = glob
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) =>
      part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${body}$`);
}

/** Lookarounds and backreferences: JavaScript has them, RE2 (hosted Renovate's engine) does not. */
function re2Problems(pattern: string): string[] {
  const problems: string[] = [];
  if (/\(\?<?[=!]/.test(pattern)) problems.push('a lookahead or lookbehind');
  if (/\\[1-9]|\\k</.test(pattern)) problems.push('a backreference');
  return problems;
}

/** A template with {{field}} placeholders (and {{#if field}}…{{/if}}), rendered as Renovate's Handlebars would. */
function render(template: string, fields: Record<string, string | undefined>): string {
  return template
    .replace(/\{\{#if (\w+)\}\}([\s\S]*?)\{\{\/if\}\}/g, (_, name: string, inner: string) => (fields[name] ? inner : ''))
    .replace(/\{\{\{?(\w+)\}?\}\}/g, (_, name: string) => fields[name] ?? '');
}

/** Every tracked and untracked (not ignored) file of the repository, Renovate's ignorePaths left out. */
async function repositoryFiles(config: RenovateConfig): Promise<string[]> {
  const listed = await exec('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO });
  const ignored = (config.ignorePaths ?? []).map(globRegExp);
  return [...new Set(listed.split('\0').filter(Boolean))]
    .filter((f) => fs.existsSync(path.join(REPO, f)) && !ignored.some((r) => r.test(f)))
    .sort();
}

/** What each custom manager extracts from the repository, with the problems in the managers themselves. */
export function extract(
  config: RenovateConfig,
  files: string[],
  read: (file: string) => string,
): { deps: Extracted[]; problems: string[] } {
  const deps: Extracted[] = [];
  const problems: string[] = [];
  for (const [index, manager] of (config.customManagers ?? []).entries()) {
    const name = `customManagers[${index}]`;
    if (manager.customType !== 'regex') {
      problems.push(`${name}: customType "${manager.customType}" is not checked here: use regex`);
      continue;
    }
    if ((manager.matchStringsStrategy ?? 'any') !== 'any') {
      problems.push(`${name}: matchStringsStrategy other than "any" is not checked here`);
      continue;
    }
    let patterns: RegExp[];
    let regexes: RegExp[];
    try {
      patterns = manager.managerFilePatterns.map(filePattern);
      regexes = manager.matchStrings.map((s) => new RegExp(s, 'g'));
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    for (const s of manager.matchStrings)
      for (const p of re2Problems(s)) problems.push(`${name}: matchString ${s} uses ${p}, which RE2 refuses`);
    const matched = files.filter((f) => patterns.some((p) => p.test(f)));
    if (matched.length === 0) problems.push(`${name} (${manager.description ?? ''}): managerFilePatterns match no file`);
    for (const file of matched) {
      const content = read(file);
      for (const regex of regexes) {
        for (const m of content.matchAll(regex)) {
          const groups: Record<string, string | undefined> = { ...m.groups };
          const fromTemplate = (field: string, template?: string) => (template ? render(template, groups) : groups[field]);
          const depName = fromTemplate('depName', manager.depNameTemplate);
          const datasource = fromTemplate('datasource', manager.datasourceTemplate);
          const currentValue = groups.currentValue;
          const where = `${file}: ${name} matched ${JSON.stringify(m[0].slice(0, 120))}`;
          if (!depName || !datasource || !currentValue) {
            problems.push(
              `${where} without ${Object.entries({ depName, datasource, currentValue })
                .filter(([, value]) => !value)
                .map(([field]) => field)
                .join(', ')}`,
            );
            continue;
          }
          deps.push({
            manager: index,
            file,
            depName,
            datasource,
            currentValue,
            currentDigest: groups.currentDigest,
            replaceString: m[0],
            offset: m.index,
          });
          if (manager.autoReplaceStringTemplate) {
            // Renovate writes the template in place of the whole match: with today's values it must give the match back.
            const same = render(manager.autoReplaceStringTemplate, {
              ...groups,
              depName,
              newValue: currentValue,
              newDigest: groups.currentDigest,
            });
            if (same !== m[0]) problems.push(`${where}: autoReplaceStringTemplate would write ${JSON.stringify(same)} instead`);
          } else if (datasource === 'docker') {
            problems.push(`${where}: a docker dependency without autoReplaceStringTemplate cannot get its digest pinned`);
          }
        }
      }
    }
  }
  return { deps, problems };
}

/**
 * What Renovate itself extracts (`--platform=local --dry-run=extract`, no network), from the files
 * git tracks: "<file> <datasource>:<depName>:<value>[@digest]" of each custom manager's dependency.
 */
async function renovateExtract(v: Validator, config: string, configTracked: boolean): Promise<string[]> {
  return withScratch(async (dir) => {
    const env = {
      ...process.env,
      // The repository's renovate.json as Renovate reads it; passed as a file only while git does not track it yet.
      ...(configTracked ? {} : { RENOVATE_CONFIG_FILE: config }),
      RENOVATE_BASE_DIR: dir,
      RENOVATE_X_IGNORE_RE2: 'true',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    const cli = path.join(path.dirname(v.script), 'renovate.js');
    const out = await exec(v.node, [cli, '--platform=local', '--dry-run=extract', '--onboarding=false', '--require-config=optional'], {
      env,
      cwd: REPO,
    });
    const line = out.split('\n').find((l) => l.includes('"packageFiles"'));
    if (!line) throw new Error(`renovate --dry-run=extract printed no packageFiles:\n${out.slice(-2000)}`);
    type Dep = { depName?: string; datasource?: string; currentValue?: string; currentDigest?: string };
    const packageFiles = (JSON.parse(line) as { packageFiles: Record<string, Array<{ packageFile: string; deps: Dep[] }>> }).packageFiles;
    return (packageFiles.regex ?? []).flatMap((pf) =>
      pf.deps.map((d) =>
        key({
          file: pf.packageFile,
          depName: d.depName ?? '',
          datasource: d.datasource ?? '',
          currentValue: d.currentValue ?? '',
          currentDigest: d.currentDigest,
        }),
      ),
    );
  });
}

async function withScratch<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'renovate-verify-'));
  try {
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// What the project pins, found without the managers

/** A reference with a tag (and perhaps a digest): "pgvector/pgvector:0.8.1-pg17-bookworm", "registry:5000/a/b:1@sha256:…". */
const IMAGE_REF = new RegExp(
  '^(?<name>[a-z0-9][a-z0-9._-]*(?::[0-9]+)?(?:/[a-z0-9._-]+)*)' +
    '(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?' +
    '(?:@(?<digest>sha256:[0-9a-f]{64}))?$',
);

export interface Expected {
  /** Where it was found, for messages. */
  readonly where: string;
  /** The file a manager must find it in. */
  readonly file: string;
  readonly depName: string;
  readonly datasource: string;
  readonly currentValue: string;
  readonly currentDigest?: string;
  /** Offsets of every copy of the version in the file's code (an ldflags' stamp too): each must lie inside a match, to move with it. */
  readonly copies?: number[];
}

/** Every `image:` value in config/<env>.yaml, wherever it sits. */
function configImages(files: string[], read: (file: string) => string): { expected: Expected[]; problems: string[] } {
  const expected: Expected[] = [];
  const problems: string[] = [];
  for (const file of files.filter((f) => /^config\/[^/]+\.ya?ml$/.test(f))) {
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${at}[${i}]`));
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        const field = at ? `${at}.${key}` : key;
        if (key === 'image' && typeof value === 'string') {
          const m = IMAGE_REF.exec(value);
          if (!m?.groups?.tag) {
            problems.push(
              `${file}: ${field}: "${value}" has no tag, so Renovate cannot tell its release: write it as name:tag or name:tag@sha256:…`,
            );
            continue;
          }
          expected.push({
            where: `${file}: ${field}`,
            file,
            depName: m.groups.name,
            datasource: 'docker',
            currentValue: m.groups.tag,
            currentDigest: m.groups.digest,
          });
        } else walk(value, field);
      }
    };
    for (const doc of parseAllDocuments(read(file))) walk(doc.toJS({ maxAliasCount: 100 }), '');
  }
  return { expected, problems };
}

const SOURCE = /^(charts|systems|app|lib|scripts)\/.*\.ts$|^main\.ts$/;

/** Image references written as string literals in the TypeScript that makes the manifests (comments and tests left out). */
function sourceImages(files: string[], read: (file: string) => string): Expected[] {
  const expected: Expected[] = [];
  for (const file of files.filter((f) => SOURCE.test(f))) {
    read(file)
      .split('\n')
      .forEach((line, i) => {
        if (/^\s*(\/\/|\*|\/\*)/.test(line)) return;
        for (const literal of line.matchAll(/'([^'\n]*)'|"([^"\n]*)"|`([^`$\n]*)`/g)) {
          const value = literal[1] ?? literal[2] ?? literal[3];
          const m = IMAGE_REF.exec(value);
          // a name with a path and a tag: "a/b:1" (Go module paths and label keys have no tag)
          if (!m?.groups?.tag || !m.groups.name.includes('/')) continue;
          expected.push({
            where: `${file}:${i + 1}`,
            file,
            depName: m.groups.name,
            datasource: 'docker',
            currentValue: m.groups.tag,
            currentDigest: m.groups.digest,
          });
        }
      });
  }
  return expected;
}

/** The module a `go install` package belongs to: github.com/<owner>/<repo>, else <host>/<name>. */
function goModule(pkg: string): string {
  const parts = pkg.split('/');
  return parts.slice(0, parts[0] === 'github.com' ? 3 : 2).join('/');
}

/** The Go tools of lib/tools.ts, one per module and version (kube-apiserver and kube-controller-manager are one). */
function goTools(read: (file: string) => string): Expected[] {
  const source = read('lib/tools.ts');
  const byModule = new Map<string, Expected>();
  for (const [name, tool] of Object.entries(GO_TOOLS)) {
    const depName = goModule(tool.pkg);
    const copies = [...source.matchAll(new RegExp(`(?<![\\w.])${tool.version.replace(/\./g, '\\.')}(?![\\w.])`, 'g'))]
      .map((m) => m.index)
      .filter((offset) => !/^\s*(\/\/|\*|\/\*)/.test(source.slice(source.lastIndexOf('\n', offset) + 1, offset)));
    const key = `${depName}@${tool.version}`;
    if (!byModule.has(key))
      byModule.set(key, {
        where: `lib/tools.ts: ${name}`,
        file: 'lib/tools.ts',
        depName,
        datasource: 'go',
        currentValue: tool.version,
        copies,
      });
  }
  return [...byModule.values()];
}

/** The versions this check pins, annotated for Renovate. */
function ownPins(): Expected[] {
  return [
    {
      where: 'verify/renovate.ts: RENOVATE_VERSION',
      file: 'verify/renovate.ts',
      depName: 'renovate',
      datasource: 'npm',
      currentValue: RENOVATE_VERSION,
    },
    {
      where: 'verify/renovate.ts: NODE_VERSION',
      file: 'verify/renovate.ts',
      depName: 'node',
      datasource: 'npm',
      currentValue: NODE_VERSION,
    },
  ];
}

const key = (d: { file: string; depName: string; datasource: string; currentValue: string; currentDigest?: string }) =>
  `${d.file} ${d.datasource}:${d.depName}:${d.currentValue}${d.currentDigest ? '@' + d.currentDigest : ''}`;

/** Extracted against expected: each expected dependency once, nothing else. */
export function compare(deps: Extracted[], expected: Expected[]): string[] {
  const problems: string[] = [];
  for (const e of expected) {
    const found = deps.filter((d) => key(d) === key(e));
    if (found.length === 0) {
      const hint = e.file.startsWith('config/') ? ' (write it unquoted, as `image: name:tag`)' : '';
      problems.push(`${e.where}: ${e.depName}:${e.currentValue} is pinned but no custom manager matches it${hint}`);
    }
    if (found.length > 1)
      problems.push(
        `${e.where}: ${e.depName}:${e.currentValue} is matched ${found.length} times ` +
          `(customManagers ${found.map((d) => d.manager).join(', ')})`,
      );
    const inside = (offset: number) =>
      deps.some(
        (d) => d.file === e.file && d.currentValue === e.currentValue && d.offset <= offset && offset < d.offset + d.replaceString.length,
      );
    for (const offset of found.length > 0 ? (e.copies ?? []) : [])
      if (!inside(offset))
        problems.push(`${e.where}: ${e.currentValue} at offset ${offset} lies outside every match: an update would leave it behind`);
  }
  const wanted = new Set(expected.map(key));
  for (const d of deps)
    if (!wanted.has(key(d)))
      problems.push(
        `${d.file}: customManagers[${d.manager}] matched ${JSON.stringify(d.replaceString.slice(0, 120))}, ` +
          'which is not a pinned dependency',
      );
  return problems;
}

/** A pinned digest written by each docker manager's template must be a reference the config schema accepts. */
function digestPins(config: RenovateConfig, deps: Extracted[]): string[] {
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  const problems: string[] = [];
  for (const d of deps.filter((x) => x.datasource === 'docker')) {
    const template = config.customManagers![d.manager].autoReplaceStringTemplate!;
    const written = render(template, { depName: d.depName, newValue: d.currentValue, newDigest: digest });
    const ref = /[a-z0-9][^\s'"]*@sha256:[0-9a-f]{64}/.exec(written)?.[0];
    if (!ref || !pinnedImage.safeParse(ref).success)
      problems.push(`${d.file}: pinning ${d.depName} would write ${JSON.stringify(written)}, which the config schema refuses`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The package rules and the dependencies Renovate's own managers find

/** Names Renovate's npm and gomod managers find: package.json's dependencies, the wrapper modules' direct requires and replaces. */
function builtinDeps(files: string[], read: (file: string) => string): string[] {
  const names: string[] = [];
  const pkg = JSON.parse(read('package.json')) as Record<string, Record<string, string> | undefined>;
  names.push(...Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }));
  for (const file of files.filter((f) => /(^|\/)go\.mod$/.test(f))) {
    for (const line of read(file).split('\n')) {
      if (line.includes('// indirect')) continue;
      const m = /^\s*(?:require\s+)?([a-z0-9.-]+\.[a-z]+\/\S+) v\S+\s*$/.exec(line) ?? /=>\s*(\S+) v\S+/.exec(line);
      if (m) names.push(m[1]);
    }
  }
  return names;
}

/** A matchPackageNames entry (exact name or glob) against the dependencies. */
function namesMatch(pattern: string, names: string[]): boolean {
  if (pattern.startsWith('/')) return names.some((n) => filePattern(pattern).test(n));
  return names.some((n) => globRegExp(pattern).test(n));
}

function packageRuleProblems(config: RenovateConfig, names: string[], files: string[]): string[] {
  const problems: string[] = [];
  (config.packageRules ?? []).forEach((rule, i) => {
    for (const pattern of (rule.matchPackageNames as string[] | undefined) ?? [])
      if (!namesMatch(pattern, names))
        problems.push(`packageRules[${i}]: matchPackageNames "${pattern}" names no dependency of the repository`);
    for (const file of (rule.matchFileNames as string[] | undefined) ?? [])
      if (!files.some((f) => globRegExp(file).test(f)))
        problems.push(`packageRules[${i}]: matchFileNames "${file}" names no file of the repository`);
  });
  return problems;
}

/** dist/ is synthesized: Renovate must not edit it, and must re-synthesize it on its branch. */
function distProblems(config: RenovateConfig): string[] {
  const problems: string[] = [];
  if (!(config.ignorePaths ?? []).includes('dist/**'))
    problems.push('ignorePaths lacks "dist/**": Renovate would edit synthesized manifests');
  const task = config.postUpgradeTasks;
  if (!task?.commands?.includes('npm run synth'))
    problems.push('postUpgradeTasks.commands lacks "npm run synth": a bump would leave dist/ stale (npm run check:dist fails)');
  if (!task?.fileFilters?.includes('dist/**'))
    problems.push('postUpgradeTasks.fileFilters lacks "dist/**": the re-synthesized dist/ would not be committed');
  return problems;
}

// ---------------------------------------------------------------------------------------------

export const renovate: Check = {
  name: 'renovate',
  description:
    `renovate.json must pass renovate-config-validator --strict (renovate ${RENOVATE_VERSION}) ` +
    'and its custom managers must match exactly the pinned images and tools',
  async run() {
    const file = path.join(REPO, CONFIG);
    if (!fs.existsSync(file)) throw new Error(`${CONFIG} is missing`);
    const v = await validator();
    const verdict = await validate(v, file);
    if (verdict.code !== 0) throw new Error(`renovate-config-validator --strict ${CONFIG}:\n${verdict.output}`);
    // A misspelled option must be refused, or the validator proves nothing.
    await withScratch(async (dir) => {
      const copy = path.join(dir, CONFIG);
      fs.writeFileSync(copy, fs.readFileSync(file, 'utf8').replace('"customManagers"', '"customManager"'));
      const refused = await validate(v, copy);
      if (refused.code === 0 || !refused.output.includes('customManager'))
        throw new Error(`renovate-config-validator accepted a copy with the option "customManager" (misspelled):\n${refused.output}`);
    });

    const config = JSON.parse(fs.readFileSync(file, 'utf8')) as RenovateConfig;
    const files = await repositoryFiles(config);
    const read = (f: string) => fs.readFileSync(path.join(REPO, f), 'utf8');
    const { deps, problems } = extract(config, files, read);
    const fromConfig = configImages(files, read);
    const expected = [...fromConfig.expected, ...sourceImages(files, read), ...goTools(read), ...ownPins()];
    problems.push(...fromConfig.problems, ...compare(deps, expected), ...digestPins(config, deps));
    const names = [...deps.map((d) => d.depName), ...builtinDeps(files, read)];
    problems.push(...packageRuleProblems(config, names, files), ...distProblems(config));
    // Renovate's own extraction must agree with the one above on every file git tracks.
    const tracked = new Set((await exec('git', ['ls-files', '-z'], { cwd: REPO })).split('\0'));
    const ours = deps
      .filter((d) => tracked.has(d.file))
      .map(key)
      .sort();
    const theirs = (await renovateExtract(v, file, tracked.has(CONFIG))).sort();
    const times = (list: string[], k: string) => list.filter((x) => x === k).length;
    for (const k of new Set([...ours, ...theirs]))
      if (times(theirs, k) !== times(ours, k))
        problems.push(`renovate extracts ${k} ${times(theirs, k)} times, the simulation above ${times(ours, k)} times`);
    if (problems.length > 0) throw new Error(problems.join('\n'));

    const count = (datasource: string) =>
      new Set(deps.filter((d) => d.datasource === datasource).map((d) => `${d.depName}:${d.currentValue}`)).size;
    const images = deps.filter((d) => d.datasource === 'docker');
    return (
      `renovate ${RENOVATE_VERSION} (node ${NODE_VERSION}): ${CONFIG} valid in strict mode, a misspelled copy refused; ` +
      `${config.customManagers!.length} custom managers matched ${deps.length} pins, all expected and none else: ` +
      `${images.length} images (${images.filter((d) => d.file.startsWith('config/')).length} in config/*.yaml), ` +
      `${count('go')} Go modules of lib/tools.ts, ${count('npm')} npm versions of the verify suite; ` +
      `renovate's own extraction agrees on the ${theirs.length} in tracked files; ` +
      `${config.packageRules!.length} package rules, each naming a real dependency`
    );
  },
};
