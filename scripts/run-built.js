/**
 * The app as `cdk8s synth` runs it (cdk8s.yaml's app:): main.ts and everything it imports,
 * dependencies included, bundled by esbuild into the single file build/synth.js, rebuilt first
 * when it is not up to date, so that a synth pays neither for TypeScript nor for resolving
 * hundreds of modules, and never runs stale code.
 *
 *   node scripts/run-built.js [main.ts's flags]   bundle if needed, then synth (build/synth.js)
 *   node scripts/run-built.js --build             bundle now and stop (npm run build)
 *
 * Plain JavaScript on purpose: it must run before anything is built. The check costs a few
 * milliseconds: build/.stamp lists the size and modification time of every TypeScript source,
 * the lock file and this script, taken just before the last successful bundle; any difference
 * (a file edited, added, removed or restored, a dependency changed) bundles again (about 0.3 s).
 * A failed bundle prints esbuild's errors, leaves no stamp and exits 1: nothing is synthesized
 * from a stale build. Types are checked by `npm test` (tsc --noEmit), not here. The code finds
 * its data folders (sql/, systems/<name>/) from the project root (lib/project-root.ts).
 *
 * The bundle is compiled with V8's code cache, build/synth.cache: the bytecode of every function
 * a synth ran, written after the first synth of each bundle (and again whenever V8 turns it
 * down, say after a Node upgrade). It holds compiled code only, never data or output: every synth
 * still reads its inputs and builds the whole tree. It starts with the SHA-256 of the bundle it was
 * made from, and is used only for that exact text, so a rebuilt bundle (or a failed one) never runs
 * with another bundle's code. It saves the compile of the 2 MB bundle and of each function it calls.
 */
'use strict';
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const BUILD = path.join(ROOT, 'build');
const STAMP = path.join(BUILD, '.stamp');
const LOCK = path.join(BUILD, '.lock');
const BUNDLE = path.join(BUILD, 'synth.js');
const CACHE = path.join(BUILD, 'synth.cache');
/** What the bundle is made from: the TypeScript the app imports, the locked dependencies, this script. */
const SOURCES = ['main.ts', 'app', 'charts', 'systems', 'lib', 'imports', 'package-lock.json', 'scripts/run-built.js'];

/** What the build was made from: one line per source file (path, size, mtime). */
function fingerprint() {
  const files = [];
  for (const root of SOURCES) {
    const stat = fs.statSync(path.join(ROOT, root), { throwIfNoEntry: false });
    if (!stat?.isDirectory()) files.push(root);
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

/** Whether build/synth.js was bundled from these sources. */
function isFresh(print) {
  try {
    return fs.readFileSync(STAMP, 'utf8') === print && fs.existsSync(BUNDLE);
  } catch {
    return false; // never bundled, or a bundle under way or failed
  }
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

/** One bundle at a time (two synths started together): the others wait, then find the build fresh. */
function withLock(action) {
  fs.mkdirSync(BUILD, { recursive: true });
  for (let told = false; ;) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = lockHolder();
    if (holder === undefined) continue;
    if (!isRunning(holder) && lockHolder() === holder) {
      fs.rmSync(LOCK, { force: true }); // left by a bundle that was killed
      continue;
    }
    if (!told) console.error(`waiting for another bundle of build/ (process ${holder})`);
    told = true;
    sleep(100);
  }
  try {
    return action();
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

/** Bundles build/synth.js (unless `onlyIfStale` and it is fresh); returns 0, or 1 when esbuild failed. */
function build(onlyIfStale) {
  return withLock(() => {
    const print = fingerprint(); // before bundling: an edit made meanwhile makes the next run bundle again
    if (onlyIfStale && isFresh(print)) return 0;
    if (onlyIfStale)
      console.error(`bundling build/synth.js: ${fs.existsSync(BUNDLE) ? 'the sources differ from the last bundle' : 'no build yet'}`);
    fs.rmSync(STAMP, { force: true });
    fs.rmSync(CACHE, { force: true }); // made for the old bundle (its hash would refuse it anyway)
    try {
      require(require.resolve('esbuild', { paths: [ROOT] })).buildSync({
        entryPoints: [path.join(ROOT, 'main.ts')],
        bundle: true,
        platform: 'node',
        target: 'node20',
        outfile: BUNDLE,
        logLevel: 'error', // errors go to stderr, which `cdk8s synth` shows
      });
    } catch {
      console.error(`bundling main.ts failed: fix the errors above${onlyIfStale ? '; nothing was synthesized' : ''}`);
      return 1;
    }
    fs.writeFileSync(STAMP, print);
    return 0;
  });
}

/** The cached code in `cache` made for the text whose SHA-256 is `hash`, or undefined when there is none for this exact text. */
function readCache(cache, hash) {
  try {
    const data = fs.readFileSync(cache);
    return data.subarray(0, hash.length).toString('latin1') === hash ? data.subarray(hash.length) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the CommonJS file `bundle` as `require` would, compiled with the code cache `cache`; writes the cache
 * when there was none to use. npm run bench loads its floor app (cdk8s alone) the same way.
 */
function runCached(bundle, cache) {
  const vm = require('vm');
  const bytes = fs.readFileSync(bundle);
  const hash = require('crypto').createHash('sha256').update(bytes).digest('hex');
  const cachedData = readCache(cache, hash);
  // Node's own CommonJS wrapper, on the first line as Node puts it: stack traces keep the bundle's line numbers.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${bytes.toString('utf8')}\n})`, {
    filename: bundle,
    cachedData,
  });
  const loaded = { exports: {}, filename: bundle, id: bundle, loaded: false };
  script.runInThisContext()(loaded.exports, require('module').createRequire(bundle), loaded, bundle, path.dirname(bundle));
  loaded.loaded = true;
  if (cachedData && !script.cachedDataRejected) return;
  // After the run, so the cache holds every function it compiled; written aside, then renamed into place.
  const scratch = `${cache}.${process.pid}`;
  try {
    fs.writeFileSync(scratch, Buffer.concat([Buffer.from(hash, 'latin1'), script.createCachedData()]));
    fs.renameSync(scratch, cache);
  } catch {
    fs.rmSync(scratch, { force: true }); // a run without a cache is only slower
  }
}

module.exports = { runCached };

if (require.main !== module) {
  // required for runCached: nothing to run
} else if (process.argv[2] === '--build' && process.argv.length === 3) {
  process.exitCode = build(false);
} else {
  // The common case, a fresh build, takes no lock: the stamp is written last, after every file.
  const fresh = isFresh(fingerprint()) || build(true) === 0;
  if (fresh) runCached(BUNDLE, CACHE);
  else process.exitCode = 1;
}
