/**
 * Commands own their output and nothing else: user files are planted in every place a
 * command writes (the output folder, beside it, the secrets and sealed folders, config/),
 * every command is run there, the well-meant way and the hostile way, and no planted file
 * may be removed or changed.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { OUTPUT_MARKER, readTree } from '../lib/dist';
import { REPO } from './support/synth';

const execFileAsync = promisify(execFile);

/** An output folder outside the repository that a refused synth must not create. */
const NEVER_CREATED = path.join(os.tmpdir(), `ownership-never-created-${process.pid}`);

/** Files a user may keep where the commands write; a trailing "/" plants an empty folder. */
const PLANTED = [
  'dist/NOTES.md',
  'dist/prod/booksync/99-my-extra.yaml',
  'dist.new-mine/keep.txt',
  'dist.old-mine/keep.txt',
  'secrets/README.md',
  'secrets/prod.env',
  'sealed/NOTES.md',
  'config/NOTES.md',
  'out-mine/data.txt',
  'empty-mine/',
  'notes.txt',
];

/** The user's own env file: comments and a value of theirs, kept byte for byte. */
const USER_ENV = '# my passwords, in my order\nBOOKSYNC_MANGACOLLEC_CLIENT_ID=my-client\n# end of my notes\n';

/** Runs a project command in `cwd` as npm would; resolves with its exit code and stderr. */
async function command(cwd: string, script: string, ...args: string[]): Promise<{ code: number; stderr: string }> {
  const tsx = ['--import', require.resolve('tsx'), path.join(REPO, script), ...args];
  const env = { ...process.env, TSX_TSCONFIG_PATH: path.join(REPO, 'tsconfig.json'), KUBESEAL: '/nonexistent/kubeseal' };
  return execFileAsync(process.execPath, tsx, { cwd, env }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error) => ({ code: error.code as number, stderr: error.stderr as string }),
  );
}

describe('no command removes or overwrites a file it did not write', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ownership-'));
    for (const folder of ['config', 'sealed']) fs.cpSync(path.join(REPO, folder), path.join(work, folder), { recursive: true });
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const plant = () => {
    for (const file of PLANTED) {
      const target = path.join(work, file);
      fs.mkdirSync(file.endsWith('/') ? target : path.dirname(target), { recursive: true });
      if (!file.endsWith('/')) fs.writeFileSync(target, file === 'secrets/prod.env' ? USER_ENV : `mine: ${file}\n`);
    }
  };
  /** The planted files that are there, with their content: a removed one is missing from the map. */
  const planted = () =>
    new Map(
      PLANTED.filter((f) => !f.endsWith('/') && fs.existsSync(path.join(work, f))).map((f) => [
        f,
        fs.readFileSync(path.join(work, f), 'utf8'),
      ]),
    );

  test('a first synth into a missing folder writes its marker, listing exactly what it wrote', async () => {
    expect((await command(work, 'main.ts')).code).toBe(0);
    const tree = readTree(path.join(work, 'dist'));
    const listed = tree
      .get(OUTPUT_MARKER)!
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(listed).toEqual([...tree.keys()].filter((f) => f !== OUTPUT_MARKER).map((f) => f.split(path.sep).join('/')));
    expect(listed.length).toBeGreaterThan(50);
  });

  test.each([
    ['synth into its own dist/ holding a user file', ['main.ts'], 'dist/NOTES.md'],
    ['synth --out the repository root', ['main.ts', '--out', '.'], '--out ".": inside this repository it must be under dist/'],
    ['synth --out config/', ['main.ts', '--out', 'config'], '--out "config": inside this repository it must be under dist/'],
    ['synth --out a user folder', ['main.ts', '--out', 'out-mine'], '--out "out-mine"'],
    ['synth --out inside dist/', ['main.ts', '--out', 'dist/prod'], 'another synth output'],
    ['synth --env with a path', ['main.ts', '--env', '../config/dev', '--out', NEVER_CREATED], 'not an environment name'],
    ['synth --out beside dist/ through ..', ['main.ts', '--out', 'dist/../dist-fresh'], 'must be under dist/'],
    ['secrets with a path as the environment', ['scripts/secrets.ts', '../config/dev'], 'not an environment name'],
    ['secrets --file into config/', ['scripts/secrets.ts', 'prod', '--file', 'config/NOTES.md'], 'must be under secrets/'],
    ['secrets --file a folder', ['scripts/secrets.ts', 'prod', '--file', 'secrets'], 'is a folder'],
    ['seal --sealed-dir config/', ['scripts/seal.ts', 'prod', '--cert', 'notes.txt', '--sealed-dir', 'config'], '--sealed-dir "config"'],
    [
      'seal --secrets-file a planted note',
      ['scripts/seal.ts', 'prod', '--cert', 'notes.txt', '--secrets-file', 'notes.txt'],
      '--secrets-file "notes.txt"',
    ],
    ['seal with a path as the environment', ['scripts/seal.ts', '../config/prod', '--cert', 'notes.txt'], 'not an environment name'],
  ])('%s: refused, naming it, every planted file intact', async (_, [script, ...args], words) => {
    plant();
    const before = planted();
    const dist = readTree(path.join(work, 'dist'));
    const entries = fs.readdirSync(work).sort();
    const { code, stderr } = await command(work, script, ...args);
    expect(code).toBe(1);
    expect(stderr).toContain(words);
    expect(planted()).toEqual(before);
    expect(fs.readdirSync(path.join(work, 'empty-mine'))).toEqual([]);
    expect(readTree(path.join(work, 'dist'))).toEqual(dist);
    expect(fs.readdirSync(work).sort()).toEqual(entries); // nothing new either
    expect(fs.existsSync(NEVER_CREATED)).toBe(false);
  });

  test("secrets appends what is missing to the user's env file and keeps every byte of it", async () => {
    plant();
    fs.chmodSync(path.join(work, 'secrets', 'prod.env'), 0o644);
    const { code, stderr } = await command(work, 'scripts/secrets.ts', 'prod');
    expect(code).toBe(0);
    expect(stderr).toContain('can be read by other users: chmod 600');
    const text = fs.readFileSync(path.join(work, 'secrets', 'prod.env'), 'utf8');
    expect(text.startsWith(USER_ENV)).toBe(true);
    expect(text).toMatch(/^BOOKSYNC_DB_ADMIN_PASSWORD=[A-Za-z0-9_-]{43}$/m);
    const again = await command(work, 'scripts/secrets.ts', 'prod');
    expect(again.code).toBe(0);
    expect(fs.readFileSync(path.join(work, 'secrets', 'prod.env'), 'utf8')).toBe(text); // nothing missing: not rewritten
    expect(fs.statSync(path.join(work, 'secrets', 'prod.env')).mode & 0o777).toBe(0o644); // the user's mode, kept
  });

  test('synth replaces its own output once the user file is gone, and leaves nothing beside it', async () => {
    plant();
    fs.rmSync(path.join(work, 'dist', 'NOTES.md'));
    fs.rmSync(path.join(work, 'dist', 'prod', 'booksync', '99-my-extra.yaml'));
    const before = planted();
    expect((await command(work, 'main.ts')).code).toBe(0);
    expect(planted()).toEqual(before);
    const beside = fs
      .readdirSync(work)
      .filter((f) => f.startsWith('dist.'))
      .sort();
    expect(beside).toEqual(['dist.new-mine', 'dist.old-mine']);
  });
});

describe('what synth finds in its own output', () => {
  let work: string;
  const synth = (...args: string[]) => command(work, 'main.ts', ...args);
  beforeEach(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ownership-dist-'));
    fs.cpSync(path.join(REPO, 'config'), path.join(work, 'config'), { recursive: true });
    fs.cpSync(path.join(REPO, 'sealed'), path.join(work, 'sealed'), { recursive: true });
    expect((await synth()).code).toBe(0);
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('a synth that changes nothing rewrites nothing; a byte or a folder more gets the folder replaced', async () => {
    const dist = path.join(work, 'dist');
    const file = path.join(
      dist,
      'dev',
      'argocd',
      fs.readdirSync(path.join(dist, 'dev', 'argocd')).find((f) => f.endsWith('.yaml'))!,
    );
    const [folder, before] = [fs.statSync(dist), fs.statSync(file)];
    expect((await synth()).code).toBe(0);
    expect(fs.statSync(dist).ino).toBe(folder.ino);
    expect(fs.statSync(file).mtimeMs).toBe(before.mtimeMs);
    const content = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, content.replace(/\n$/, ' \n')); // a hand edit synth did not make
    expect((await synth()).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(fs.statSync(dist).ino).not.toBe(folder.ino); // replaced whole, as any other change would be
    // A folder synth did not make (empty, so nothing to lose) also differs: the next synth replaces dist/ without it.
    fs.mkdirSync(path.join(dist, 'dev', 'stray', 'deeper'), { recursive: true });
    expect((await synth()).code).toBe(0);
    expect(fs.existsSync(path.join(dist, 'dev', 'stray'))).toBe(false);
  });

  test('a synth that changes bootstrap/ (applied by an admin, never by Argo CD) says so, once', async () => {
    const kustomization = path.join(work, 'dist', 'dev', 'bootstrap', 'Kustomization');
    fs.appendFileSync(kustomization, '# what the cluster has now\n');
    const changed = await synth();
    expect(changed.code).toBe(0);
    expect(changed.stderr).toContain(`dev: ${path.join('dist', 'dev', 'bootstrap')} changed`);
    expect(changed.stderr).toContain(`kubectl apply -k ${path.join('dist', 'dev', 'bootstrap')}`);
    expect(changed.stderr).not.toContain(`${path.join('dist', 'prod', 'bootstrap')} changed`);
    expect((await synth()).stderr).not.toContain('changed (the AppProjects'); // applied, nothing new
  });

  test('a link listed in a forged marker is refused, never followed: its target is not copied into dist/', async () => {
    const secret = path.join(work, 'outside-secret.txt');
    fs.writeFileSync(secret, 'TOP SECRET\n');
    fs.symlinkSync(secret, path.join(work, 'dist', 'dev', 'argocd', '99-configmap-x.yaml'));
    fs.appendFileSync(path.join(work, 'dist', OUTPUT_MARKER), 'dev/argocd/99-configmap-x.yaml\n');
    const { code, stderr } = await synth('--env', 'prod');
    expect(code).toBe(1);
    expect(stderr).toContain('99-configmap-x.yaml is a link or special file');
    expect(fs.lstatSync(path.join(work, 'dist', 'dev', 'argocd', '99-configmap-x.yaml')).isSymbolicLink()).toBe(true);
  });

  test('a dist/ from before the marker: accepted when it holds only what synth writes, refused with a user manifest', async () => {
    fs.rmSync(path.join(work, 'dist', OUTPUT_MARKER));
    expect((await synth()).code).toBe(0);
    fs.rmSync(path.join(work, 'dist', OUTPUT_MARKER));
    const copy = fs
      .readFileSync(path.join(work, 'dist', 'prod', 'booksync', '30-service-data-api.yaml'), 'utf8')
      .replace(/name: data-api/g, 'name: my-extra');
    fs.writeFileSync(path.join(work, 'dist', 'prod', 'booksync', '31-service-my-extra.yaml'), copy);
    const { code, stderr } = await synth();
    expect(code).toBe(1);
    expect(stderr).toContain('holds files synth did not write');
    expect(fs.readFileSync(path.join(work, 'dist', 'prod', 'booksync', '31-service-my-extra.yaml'), 'utf8')).toBe(copy);
  });

  test('an emptied folder of its own holds nothing to lose: accepted', async () => {
    const folder = path.join(work, 'dist', 'dev', 'booksync');
    for (const file of fs.readdirSync(folder)) fs.rmSync(path.join(folder, file));
    expect((await synth()).code).toBe(0);
    expect(fs.readdirSync(folder).length).toBeGreaterThan(10);
  });

  test("--out and the cdk8s CLI's output inside one another: refused before either is written", async () => {
    const out = path.join(os.tmpdir(), `ownership-nested-${process.pid}`);
    const tsx = ['--import', require.resolve('tsx'), path.join(REPO, 'main.ts'), '--out', path.join(out, 'dist')];
    const env = { ...process.env, CDK8S_OUTDIR: out, TSX_TSCONFIG_PATH: path.join(REPO, 'tsconfig.json') };
    const failure = await execFileAsync(process.execPath, tsx, { cwd: work, env }).then(
      () => undefined,
      (e) => e,
    );
    expect(failure?.code).toBe(1);
    expect(failure.stderr).toContain('are inside one another');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('npm run secrets appends in place', () => {
  test('a linked env file stays a link, its target gets the new keys, owner and mode kept', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ownership-env-'));
    try {
      fs.cpSync(path.join(REPO, 'config'), path.join(work, 'config'), { recursive: true });
      const shared = path.join(work, 'shared.env');
      fs.writeFileSync(shared, 'BOOKSYNC_DB_AUTH_PASSWORD=keepme\r\n', { mode: 0o640 });
      fs.mkdirSync(path.join(work, 'secrets'));
      fs.symlinkSync(shared, path.join(work, 'secrets', 'prod.env'));
      expect((await command(work, 'scripts/secrets.ts', 'prod')).code).toBe(0);
      expect(fs.lstatSync(path.join(work, 'secrets', 'prod.env')).isSymbolicLink()).toBe(true);
      const text = fs.readFileSync(shared, 'utf8');
      expect(text.startsWith('BOOKSYNC_DB_AUTH_PASSWORD=keepme\r\n')).toBe(true);
      expect(text).toMatch(/^BOOKSYNC_DB_ADMIN_PASSWORD=/m);
      expect(fs.statSync(shared).mode & 0o777).toBe(0o640);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
