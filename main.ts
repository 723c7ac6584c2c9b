/**
 * cdk8s app: reads config/<env>.yaml for every environment, builds the charts of every
 * system and writes dist/<env>/<system>/ atomically (app/synth.ts does the work).
 *
 *   npm run synth [-- --env prod] [--config DIR] [--out DIR] [--sealed DIR]
 *
 * With --env, only those environments are synthesized; the others keep their folders.
 * Bad input prints one message per problem, naming the file, the field and the fix,
 * exits 1 and leaves dist/ untouched.
 */
import { synthCommand } from './app/synth';
import { ConfigError, describeError } from './lib/errors';

try {
  synthCommand(process.argv.slice(2), { cliOut: process.env.CDK8S_OUTDIR, log: console.log, notify: console.error });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  console.error(`synth failed: ${describeError(error)}`);
  process.exit(2);
}
