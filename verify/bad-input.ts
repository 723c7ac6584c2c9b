/**
 * Bad input is refused well: every case of verify/bad-input/ (a broken config, env file,
 * sealed-values file or command line; see its README.md) runs its command for real in a
 * scratch copy of config/, sealed/ and dist/, and must exit non-zero with one clear message
 * naming what the case expects, leaving dist/ and every other file byte-identical. A case
 * marked `outcome: accepted` is unusual but valid input: it must succeed, change nothing but
 * dist/, and write manifests that pass the API server's rules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Tree, readManifests, readTree } from '../lib/dist';
import { outputViolations } from '../lib/output-check';
import { Check, REPO, run, throwawayCertificate, withTempDir } from './check';

const CORPUS = path.join(REPO, 'verify', 'bad-input');
const DIRECTIVE = /^# (expect|never|run|file|plant|outcome): (.+)$/;
const SCRIPTS: Record<string, string> = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).scripts;
/** `node --import tsx`, from a working folder outside the repository. */
const TSX = ['--import', pathToFileURL(require.resolve('tsx')).href];
const CONCURRENCY = 2;

interface Case {
  readonly name: string;
  /** Words the message must contain, and words it must not. */
  readonly expect: string[];
  readonly never: string[];
  /** `npm run <script> [-- args]`, run in the scratch folder. */
  readonly run: string;
  /** The file of the scratch folder the case replaces, or none when the case has no body. */
  readonly file?: string;
  /** A user's files put in the scratch folder first ("dir/" makes a folder): none may be touched. */
  readonly plant: string[];
  /** Valid input the case proves is accepted, instead of refused. */
  readonly accepted: boolean;
  /** The body, at its own line numbers: the header becomes blank lines (so no message can quote it). */
  readonly body: string;
}

function readCase(name: string): Case {
  const text = fs.readFileSync(path.join(CORPUS, name), 'utf8');
  const lines = text.split('\n');
  let headerEnd = 0;
  while (headerEnd < lines.length && lines[headerEnd].startsWith('#')) headerEnd++;
  const directives: Record<string, string[]> = { expect: [], never: [], run: [], file: [], plant: [], outcome: [] };
  for (const line of lines.slice(0, headerEnd)) {
    const match = DIRECTIVE.exec(line);
    if (match) directives[match[1]].push(match[2].trim());
  }
  if (directives.expect.length === 0) throw new Error(`verify/bad-input/${name}: no "# expect:" line`);
  const hasBody = lines.slice(headerEnd).some((line) => line.trim() !== '');
  return {
    name: name.replace(/\.[^.]+$/, ''),
    expect: directives.expect,
    never: directives.never,
    run: directives.run[0] ?? 'npm run synth',
    file: hasBody ? (directives.file[0] ?? 'config/prod.yaml') : undefined,
    plant: directives.plant,
    accepted: directives.outcome[0] === 'accepted',
    body: lines.map((line, i) => (i < headerEnd ? '' : line)).join('\n'),
  };
}

/** The script and arguments of `npm run <script> [-- args]`, from package.json. */
function command(line: string): string[] {
  const match = /^npm run (\S+)(?: -- (.+))?$/.exec(line);
  const script = match && /^node --import tsx (\S+)$/.exec(SCRIPTS[match[1]] ?? '');
  if (!script) throw new Error(`run: "${line}" is not "npm run <script> [-- args]" of a "node --import tsx" script in package.json`);
  return [path.join(REPO, script[1]), ...(match[2]?.split(/\s+/) ?? [])];
}

/** The findings of a list of conditions: the texts of those that hold. */
const found = (findings: Array<string | false>): string[] => findings.filter((f): f is string => f !== false);

/** What makes a message unclear: nothing said, or the program's insides instead of words. */
function unclear(message: string): string[] {
  return found([
    message === '' && 'no message on stderr',
    /^\s+at /m.test(message) && 'a stack trace',
    message.includes('[object Object]') && '"[object Object]"',
    /"(code|path|expected)":/.test(message) && 'a raw zod issue',
    /\b(undefined|NaN)\b/.test(message) && '"undefined" or "NaN"',
  ]);
}

function changedFiles(before: Tree, after: Tree): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f)).sort();
}

/** Runs one case in `work`, a fresh copy of the repository's config/, sealed/ and dist/ and of `cert`; returns what is wrong. */
async function tryCase(c: Case, work: string, cert: string): Promise<string[]> {
  for (const folder of ['config', 'sealed', 'dist']) fs.cpSync(path.join(REPO, folder), path.join(work, folder), { recursive: true });
  fs.copyFileSync(cert, path.join(work, 'cert.pem'));
  if (c.file) {
    fs.mkdirSync(path.dirname(path.join(work, c.file)), { recursive: true });
    fs.writeFileSync(path.join(work, c.file), c.body);
  }
  for (const planted of c.plant) {
    const target = path.join(work, planted);
    fs.mkdirSync(planted.endsWith('/') ? target : path.dirname(target), { recursive: true });
    if (!planted.endsWith('/')) fs.writeFileSync(target, `a file of the user's: ${planted}\n`);
  }
  const before = readTree(work);
  const env = { ...process.env, TSX_TSCONFIG_PATH: path.join(REPO, 'tsconfig.json') };
  const { code, stdout, stderr } = await run(process.execPath, [...TSX, ...command(c.run)], { cwd: work, env });
  // Notices about other environments ("note: dev: …") may precede the message.
  const message = stderr
    .split('\n')
    .filter((line) => !line.startsWith('note: '))
    .join('\n')
    .trim();
  const changed = changedFiles(before, readTree(work));
  if (c.accepted) return acceptedProblems(c, work, { code, stderr }, changed);
  const problems = found([
    code === 0 && 'exit code 0',
    stdout.trim() !== '' && `printed to stdout: ${stdout.trim().split('\n')[0]}`,
    ...unclear(message),
    ...c.expect.filter((words) => !message.includes(words)).map((words) => `the message does not say "${words}"`),
    ...c.never.filter((words) => message.includes(words)).map((words) => `the message says "${words}"`),
    changed.length > 0 && `changed ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}`,
  ]);
  if (problems.length === 0) return [];
  return [
    ...problems,
    `it printed (exit ${code}):`,
    ...message
      .split('\n')
      .slice(0, 6)
      .map((line) => `  ${line}`),
  ];
}

/** What is wrong with an accepted case: a failure, a change outside dist/, invalid or unexpected output. */
function acceptedProblems(c: Case, work: string, outcome: { code: number; stderr: string }, changed: string[]): string[] {
  const dist = path.join(work, 'dist');
  const folders = outcome.code === 0 ? fs.readdirSync(dist, { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory()) : [];
  const objects = folders.flatMap((e) => readManifests(path.join(e.parentPath, e.name)));
  const text = [...readTree(dist).values()].join('\n');
  const problems = found([
    outcome.code !== 0 && `exit code ${outcome.code}`,
    ...changed.filter((f) => !f.startsWith(`dist${path.sep}`)).map((f) => `changed ${f}, outside dist/`),
    ...outputViolations(objects).map((v) => `wrote ${v.object} ${v.field} = ${v.value}: ${v.message}`),
    ...c.expect.filter((words) => !text.includes(words)).map((words) => `dist/ does not contain "${words}"`),
    ...c.never.filter((words) => text.includes(words)).map((words) => `dist/ contains "${words}"`),
  ]);
  return problems.length === 0
    ? []
    : [
        ...problems,
        'it printed:',
        ...outcome.stderr
          .trim()
          .split('\n')
          .slice(0, 6)
          .map((l) => `  ${l}`),
      ];
}

export const badInput: Check = {
  name: 'bad-input',
  description: 'every broken config, env file and command line of verify/bad-input/ refused with a clear message, dist/ untouched',
  run: () =>
    withTempDir('verify-bad-input-', async (dir) => {
      const { cert } = await throwawayCertificate(dir);
      const cases = fs
        .readdirSync(CORPUS)
        .filter((f) => f !== 'README.md')
        .sort()
        .map(readCase);
      if (cases.length < 25)
        throw new Error(`the corpus has ${cases.length} cases; it must keep at least 25 (is a case file missing from git?)`);

      const failures: string[] = [];
      const queue = [...cases];
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const [first, ...more] = await tryCase(c, path.join(dir, c.name), cert);
          if (first) failures.push([`${c.name}: ${first}`, ...more.map((p) => `  ${p}`)].join('\n'));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      if (failures.length > 0)
        throw new Error(`${failures.length} of ${cases.length} unusual inputs not handled well:\n${failures.sort().join('\n')}`);
      const accepted = cases.filter((c) => c.accepted).length;
      return (
        `${cases.length} unusual inputs tried: ${cases.length - accepted} refused with a clear message and every file byte-identical, ` +
        `${accepted} valid ones accepted with manifests the API server's rules pass`
      );
    }),
};
