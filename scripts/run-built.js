/**
 * The app as `cdk8s synth` runs it (cdk8s.yaml's app:): the precompiled build/main.js, compiled
 * first when it is not up to date, so that a synth never pays for TypeScript and never runs stale code.
 *
 *   node scripts/run-built.js [main.ts's flags]   compile if needed, then synth (build/main.js)
 *   node scripts/run-built.js --build             compile now and stop (npm run build)
 *
 * Plain JavaScript on purpose: it must run before anything is compiled. The check costs a few
 * milliseconds: build/.stamp lists the size and modification time of every TypeScript source and
 * tsconfig file, taken just before the last successful compile; any difference (a file edited,
 * added, removed or restored) means `tsc -p tsconfig.build.json` (incremental) runs again. A failed
 * compile prints tsc's errors, leaves no stamp and exits 1: nothing is synthesized from a stale build.
 *
 * build/ mirrors the source tree, so the code's `__dirname` paths to its data folders (sql/ and
 * systems/<name>/sql/, connectivity/, ...) are symbolic links to the source folders: always current.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, 'build');
const STAMP = path.join(BUILD, '.stamp');
const LOCK = path.join(BUILD, '.lock');
const TSCONFIG = 'tsconfig.build.json';

/** The source files and folders tsc compiles: the first path segment of each `include` pattern. */
function roots() {
  const { include } = JSON.parse(fs.readFileSync(path.join(ROOT, TSCONFIG), 'utf8'));
  return [...new Set(include.map((pattern) => pattern.split('/')[0]))];
}

/** What the build was made from: one line per TypeScript source and tsconfig file (path, size, mtime). */
function fingerprint() {
  const files = ['tsconfig.json', TSCONFIG];
  for (const root of roots()) {
    if (root.endsWith('.ts')) files.push(root);
    else for (const f of fs.readdirSync(path.join(ROOT, root), { recursive: true })) if (f.endsWith('.ts')) files.push(path.join(root, f));
  }
  return files
    .sort()
    .map((f) => {
      const stat = fs.statSync(path.join(ROOT, f), { throwIfNoEntry: false });
      return stat ? `${f} ${stat.size} ${stat.mtimeMs}` : `${f} missing`;
    })
    .join('\n');
}

/** The data folders the compiled code finds next to itself: build/<folder> → <folder>. */
function dataFolders() {
  const systems = fs.readdirSync(path.join(ROOT, 'systems'), { withFileTypes: true }).filter((e) => e.isDirectory());
  const inSystems = systems.flatMap((s) =>
    fs
      .readdirSync(path.join(ROOT, 'systems', s.name), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => path.join('systems', s.name, e.name)),
  );
  return ['sql', ...inSystems];
}

/** Whether build/ was compiled from these sources and its links are in place. */
function isFresh(print) {
  let stamp;
  try {
    stamp = fs.readFileSync(STAMP, 'utf8');
  } catch {
    return false; // never compiled, or a compile under way or failed
  }
  return stamp === print && dataFolders().every((folder) => fs.existsSync(path.join(BUILD, folder)));
}

function link(folder) {
  const at = path.join(BUILD, folder);
  fs.mkdirSync(path.dirname(at), { recursive: true });
  fs.rmSync(at, { recursive: true, force: true });
  fs.symlinkSync(path.relative(path.dirname(at), path.join(ROOT, folder)), at, process.platform === 'win32' ? 'junction' : 'dir');
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The process compiling now, from the lock file; undefined once the lock is gone. */
function lockHolder() {
  try {
    return fs.readFileSync(LOCK, 'utf8');
  } catch {
    return undefined;
  }
}

function isRunning(pid) {
  try {
    process.kill(Number(pid), 0);
    return pid !== '';
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** One compile at a time (two synths started together): the others wait, then find the build fresh. */
function withLock(action) {
  fs.mkdirSync(BUILD, { recursive: true });
  for (let told = false; ; ) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = lockHolder();
    if (holder === undefined) continue;
    if (!isRunning(holder) && lockHolder() === holder) {
      fs.rmSync(LOCK, { force: true }); // left by a compile that was killed
      continue;
    }
    if (!told) console.error(`waiting for another compile of build/ (process ${holder})`);
    told = true;
    sleep(100);
  }
  try {
    return action();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

/** Compiles build/ (unless `onlyIfStale` and it is fresh); returns tsc's exit code. */
function build(onlyIfStale) {
  return withLock(() => {
    const print = fingerprint(); // before compiling: an edit made meanwhile makes the next run compile again
    if (onlyIfStale && isFresh(print)) return 0;
    if (onlyIfStale) {
      const why = fs.existsSync(path.join(BUILD, 'main.js')) ? 'the sources differ from the last complete compile' : 'no build yet';
      console.error(`compiling build/ (tsc -p ${TSCONFIG}): ${why}`);
    }
    fs.rmSync(STAMP, { force: true });
    // tsc reports on stdout, which `cdk8s synth` swallows: its errors go to stderr.
    const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', path.join(ROOT, TSCONFIG)], {
      cwd: ROOT,
      stdio: ['ignore', 2, 2],
    });
    if (tsc.status !== 0) {
      const why = tsc.error?.message ?? `exit ${tsc.status ?? tsc.signal}`;
      console.error(`tsc -p ${TSCONFIG} failed (${why}): fix the errors above${onlyIfStale ? '; nothing was synthesized' : ''}`);
      return 1;
    }
    for (const folder of dataFolders()) link(folder);
    fs.writeFileSync(STAMP, print);
    return 0;
  });
}

if (process.argv[2] === '--build' && process.argv.length === 3) {
  process.exitCode = build(false);
} else {
  // The common case, a fresh build, takes no lock: the stamp is written last, after every file.
  const fresh = isFresh(fingerprint()) || build(true) === 0;
  if (fresh) require(path.join(BUILD, 'main.js'));
  else process.exitCode = 1;
}
