/**
 * npm run secrets -- <env> [--file secrets/<env>.env]
 *
 * Creates (the first time) or completes the gitignored env file of an environment with
 * strong random values, keeps every value it already has, and prints the Namespaces and
 * Secrets of every system to stdout, ready for `kubectl apply -f -`. Messages go to stderr.
 */
import * as path from 'path';
import { Yaml } from 'cdk8s';
import { confinedPath, parseCommandLine, runCli } from '../lib/cli';
import { ensureEnvFile, secretManifest } from '../lib/secrets';
import { loadEnvironment } from '../app/environment';
import { allSecrets, synthesizeObjects } from '../app/synth';
import { ConfigError } from '../lib/errors';

function main(): void {
  const { values, positionals } = parseCommandLine('npm run secrets -- <env> [--file secrets/<env>.env]', {
    allowPositionals: true,
    options: { file: { type: 'string' }, config: { type: 'string', default: 'config' } },
  });
  const env = positionals[0];
  if (!env || positionals.length > 1)
    throw new ConfigError('usage: npm run secrets -- <env> [--file secrets/<env>.env]   (for example: npm run secrets -- prod)');
  const config = loadEnvironment(values.config, env);
  const file = confinedPath(values.file ?? path.join('secrets', `${env}.env`), '--file', 'secrets');
  const specs = allSecrets(config);
  const { values: envValues, empty, generated, unknown, exposed } = ensureEnvFile(file, specs);
  if (exposed) console.error(`warning: ${file} can be read by other users: chmod 600 ${file}`);
  for (const key of unknown) console.error(`warning: ${key} in ${file} is read by no Secret (misspelt?): it is kept, unused`);

  console.error(
    generated.length > 0
      ? `${file}: generated ${generated.length} new random value(s): ${generated.join(', ')}`
      : `${file}: no new value generated; existing values kept`,
  );
  for (const key of empty)
    console.error(`warning: ${key} is empty in ${file}: set it there and run this again before the workload that reads it can work`);
  if (config.secrets.mode === 'sealed') {
    console.error(
      `note: ${env} is in sealed mode: its Secrets come from the SealedSecrets in dist/ (npm run seal -- ${env} --cert …); ` +
        'do not also apply these, the controller would refuse to manage Secrets it did not make',
    );
  }

  const namespaces = [...synthesizeObjects(config).values()].flat().filter((o) => o.kind === 'Namespace');
  process.stdout.write(Yaml.stringify(...namespaces, ...specs.map((spec) => secretManifest(spec, envValues))));
}

runCli(main);
