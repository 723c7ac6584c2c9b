/**
 * Bad input is refused well: every case of verify/bad-input/ (a broken config, env file,
 * sealed-values file or command line; see its README.md) runs its command for real in a
 * scratch copy of config/, sealed/ and dist/, and must exit non-zero with one clear message
 * naming what the case expects, leaving dist/ and every other file byte-identical.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { Tree, readTree } from '../lib/dist';
import { Check, REPO, run, throwawayCertificate, withTempDir } from './check';

const CORPUS = path.join(REPO, 'verify', 'bad-input');
const DIRECTIVE = /^# (expect|never|run|file): (.+)$/;
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
  /** The body, at its own line numbers: the header becomes blank lines (so no message can quote it). */
  readonly body: string;
}

function readCase(name: string): Case {
  const text = fs.readFileSync(path.join(CORPUS, name), 'utf8');
  const lines = text.split('\n');
  let headerEnd = 0;
  while (headerEnd < lines.length && lines[headerEnd].startsWith('#')) headerEnd++;
  const directives: Record<string, string[]> = { expect: [], never: [], run: [], file: [] };
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
    body: lines.map((line, i) => (i < headerEnd ? '' : line)).join('\n'),
  };
}

/** The script and arguments of `npm run <script> [-- args]`, from package.json. */
function command(line: string): string[] {
  const match = /^npm run (\S+)(?: -- (.+))?$/.exec(line);
  const script = match && /^node --import tsx (\S+)$/.exec(SCRIPTS[match[1]] ?? '');
  if (!script) throw new Error(`run: "${line}" is not "npm run <script> [-- args]" of a "node --import tsx" script in package.json`);
  return [path.join(REPO, script[1]), ...(match![2]?.split(/\s+/) ?? [])];
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
  const before = readTree(work);
  const env = { ...process.env, TSX_TSCONFIG_PATH: path.join(REPO, 'tsconfig.json') };
  const { code, stdout, stderr } = await run(process.execPath, [...TSX, ...command(c.run)], { cwd: work, env });
  // Notices about other environments ("note: dev: …") may precede the message.
  const message = stderr.split('\n').filter((line) => !line.startsWith('note: ')).join('\n').trim();
  const changed = changedFiles(before, readTree(work));
  const problems = found([
    code === 0 && 'exit code 0',
    stdout.trim() !== '' && `printed to stdout: ${stdout.trim().split('\n')[0]}`,
    ...unclear(message),
    ...c.expect.filter((words) => !message.includes(words)).map((words) => `the message does not say "${words}"`),
    ...c.never.filter((words) => message.includes(words)).map((words) => `the message says "${words}"`),
    changed.length > 0 && `changed ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}`,
  ]);
  if (problems.length === 0) return [];
  return [...problems, `it printed (exit ${code}):`, ...message.split('\n').slice(0, 6).map((line) => `  ${line}`)];
}

export const badInput: Check = {
  name: 'bad-input',
  description: 'every broken config, env file and command line of verify/bad-input/ refused with a clear message, dist/ untouched',
  run: () =>
    withTempDir('verify-bad-input-', async (dir) => {
      const { cert } = await throwawayCertificate(dir);
      const cases = fs.readdirSync(CORPUS).filter((f) => f !== 'README.md').sort().map(readCase);
      if (cases.length < 25) throw new Error(`the corpus has ${cases.length} cases; it must keep at least 25 (is a case file missing from git?)`);

      const failures: string[] = [];
      const queue = [...cases];
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const [first, ...more] = await tryCase(c, path.join(dir, c.name), cert);
          if (first) failures.push([`${c.name}: ${first}`, ...more.map((p) => `  ${p}`)].join('\n'));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));

      if (failures.length > 0) throw new Error(`${failures.length} of ${cases.length} bad inputs not refused well:\n${failures.sort().join('\n')}`);
      return `${cases.length} bad inputs tried, ${cases.length} refused with a clear message, dist/ byte-identical each time`;
    }),
};
