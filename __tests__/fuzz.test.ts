/**
 * The fuzz properties of verify/fuzz.ts, on fewer cases (npm run verify -- fuzz runs 500 of
 * each, and dry-runs a sample on a real API server). Same fixed seed, printed on failure.
 */
import { SEED, fuzzConfigs, fuzzMutations } from '../verify/fuzz';

const RUNS = 60;

describe(`fuzzing synth (seed ${SEED})`, () => {
  test("random configurations: the accepted ones give objects that pass the API server's rules", () => {
    const counts = fuzzConfigs(RUNS);
    expect(counts.runs).toBe(RUNS);
    // Not vacuous: most random configurations are accepted and synthesized.
    expect(counts.accepted).toBeGreaterThan(RUNS / 2);
    expect(counts.objects).toBeGreaterThan(counts.accepted * 30);
  });

  test('mutations of config/prod.yaml: accepted with valid output, or refused with a short message and nothing touched', () => {
    const counts = fuzzMutations(RUNS);
    expect(counts.runs).toBe(RUNS);
    expect(counts.refused).toBeGreaterThan(0);
    expect(counts.accepted).toBeGreaterThan(0);
  });
});
