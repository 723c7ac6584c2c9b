/**
 * npm run verify [-- <check>...]
 *
 * The manifests checked by the real tools Kubernetes users trust. Each check prints one
 * summary line with its counts; any failure prints its findings and exits non-zero.
 * Tools are pinned and installed on first use (go install into ~/.cache/pi-gitops).
 */
import { alerts } from './alerts';
import { Check } from './check';
import { badInput } from './bad-input';
import { checkov } from './checkov';
import { cnpg } from './cnpg';
import { fuzz } from './fuzz';
import { offsite } from './offsite';
import { lint } from './lint';
import { netpol } from './netpol';
import { postgres } from './postgres';
import { renovate } from './renovate';
import { schemas } from './schemas';
import { sealing } from './sealing';

const CHECKS: Check[] = [schemas, lint, alerts, checkov, netpol, postgres, cnpg, offsite, badInput, sealing, fuzz, renovate];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !CHECKS.some((c) => c.name === w));
  if (unknown.length > 0) {
    console.error(`unknown check ${unknown.join(', ')}: choose from ${CHECKS.map((c) => c.name).join(', ')}`);
    process.exit(2);
  }
  let failed = 0;
  const chosen = CHECKS.filter((c) => wanted.length === 0 || wanted.includes(c.name));
  for (const check of chosen) {
    const start = Date.now();
    try {
      const summary = await check.run();
      console.log(`ok   ${check.name}: ${summary} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failed++;
      console.log(`FAIL ${check.name}: ${check.description}\n${(error as Error).message.replace(/^/gm, '     ')}`);
    }
  }
  console.log(`verify: ${chosen.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

void main();
