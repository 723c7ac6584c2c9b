/**
 * `cdk8s synth` as users run it: the real CLI runs cdk8s.yaml's app (scripts/run-built.js, which bundles
 * build/synth.js when a source changed and runs it with its V8 code cache), in a scratch copy of the
 * project's inputs. The CLI's folder gets exactly dist/; dist/ itself is left as it was.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readTree } from '../lib/dist';
import { REPO } from './support/synth';

const CLI = path.join(REPO, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');
const cdk8s = (cwd: string, ...args: string[]) =>
  execFileSync(process.execPath, [CLI, ...args, '--no-check-upgrade'], { cwd, encoding: 'utf8', stdio: 'pipe' });

describe('cdk8s synth with the real CLI', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-cli-'));
    for (const item of ['cdk8s.yaml', 'config', 'sealed', 'dist'])
      fs.cpSync(path.join(REPO, item), path.join(work, item), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'scripts'), path.join(work, 'scripts')); // the launcher builds the repository's build/
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test("writes exactly dist/ into the CLI's folder, lists the manifests, and leaves dist/ as it was", () => {
    const dist = path.join(work, 'dist');
    const before = fs.statSync(dist);
    const printed = cdk8s(work, 'synth');
    const out = readTree(path.join(work, '.cdk8s.out'));
    expect(out).toEqual(readTree(path.join(REPO, 'dist')));
    expect(out.size).toBeGreaterThan(150);
    expect(printed).toContain(`  - ${path.join('.cdk8s.out', 'prod', 'mnemolite', '00-namespace-mnemolite.yaml')}`);
    expect(fs.statSync(dist).ino).toBe(before.ino); // unchanged, so not rewritten
  });

  test('runs the bundle with a code cache made for that exact bundle', () => {
    cdk8s(work, 'synth'); // the first synth of a bundle writes its cache
    const bundle = fs.readFileSync(path.join(REPO, 'build', 'synth.js'));
    const hash = createHash('sha256').update(bundle).digest('hex');
    expect(
      fs
        .readFileSync(path.join(REPO, 'build', 'synth.cache'))
        .subarray(0, 64)
        .toString('latin1'),
    ).toBe(hash);
  });

  test('--stdout prints every manifest', () => {
    const printed = cdk8s(work, 'synth', '--stdout');
    const kinds = printed.match(/^kind: \S+$/gm) ?? [];
    expect(kinds.length).toBeGreaterThan(150);
    expect(kinds).toContain('kind: SealedSecret');
  });
});
