/**
 * The project's folder (the one with package.json), found from this file wherever the code
 * runs: the TypeScript sources, or the single bundled file of build/ (where every module's
 * __dirname is the bundle's). Data folders (sql/, systems/<name>/) are found from it.
 */
import * as fs from 'fs';
import * as path from 'path';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'cdk8s.yaml'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`no project folder (package.json and cdk8s.yaml) above ${from}`);
  }
}

export const PROJECT_ROOT = findRoot(__dirname);
