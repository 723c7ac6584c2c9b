/**
 * lib/manifest-yaml.ts writes manifests without the `yaml` library's node tree: its text must be the
 * library's (cdk8s's Yaml.stringify) for every object, and it must really write dist/'s objects itself.
 */
import { Yaml } from 'cdk8s';
import fc from 'fast-check';
import { synthesizeArgoCd, synthesizeBootstrap, synthesizeObjects } from '../app/synth';
import { emittedYaml, manifestYaml } from '../lib/manifest-yaml';
import { SEED } from '../verify/fuzz';
import { ENVIRONMENTS, loadConfig } from './support/synth';

/** Pieces of strings that each take the library down another branch: indicators, tags, quotes, edge whitespace. */
const PIECES = [
  ...['a', 'Z', 'db', 'x.y/z', '0', '17', '1.5', '-', ':', ' ', '#', '\n', '\t', '"', "'", '\\', '{', '[', ',', '|', '>'],
  ...['&', '*', '!', '@', '`', '?', '%', '=', '/', 'yes', 'no', 'n', 'Y', 'on', 'true', 'null', '~', '.inf', '---'],
  ...['...', '1:20', '2001-12-14', '0x1F', '+1', '0o7', '1_000', ': ', ' #', '<<'],
];
/** Rarer pieces the emitter always leaves to the library. */
const RARE = ['é', '\r', '\u0007'];
/** Pieces the emitter writes itself when they land in the middle of a string: what manifests are made of. */
const TAME = ['a', 'Z', 'db', 'x.y/z', '0', '17', '-', ':', '#', '\n', "'", '=', '/', '@', 'yes', 'n', 'on', 'null', '~', '1:20', '<<'];

/**
 * Manifest-shaped objects whose strings are made of `pieces`; `hostile` adds what the emitter always leaves to
 * the library (RARE's pieces, floats, undefined) and lets keys span lines.
 */
function manifestOf(pieces: string[], hostile: boolean): fc.Arbitrary<Record<string, unknown>> {
  const piece = hostile
    ? fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...pieces) }, { weight: 1, arbitrary: fc.constantFrom(...RARE) })
    : fc.constantFrom(...pieces);
  const text = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
  const key = hostile ? text : text.map((t) => t.replace(/\n/g, ''));
  const scalar = fc.oneof(
    { weight: 12, arbitrary: text },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 2, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    ...(hostile ? [fc.double(), fc.constant(undefined)] : []),
  );
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 4, arbitrary: scalar },
      fc.array(tie('value'), { maxLength: 3 }),
      ...(hostile ? [fc.sparseArray(tie('value'), { maxLength: 3 })] : []),
      fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    ),
  }));
  return fc.dictionary(key, value, { minKeys: 1, maxKeys: 5 });
}

/** How many of `runs` random objects the emitter wrote itself; each written one must be the library's text, the others are its. */
function compare(arbitrary: fc.Arbitrary<Record<string, unknown>>, runs: number): number {
  let emitted = 0;
  fc.assert(
    fc.property(arbitrary, (object) => {
      const text = emittedYaml(object);
      if (text !== undefined) emitted++;
      expect(text ?? manifestYaml(object)).toBe(Yaml.stringify(object));
    }),
    { seed: SEED, numRuns: runs },
  );
  return emitted;
}

/** Every object synth writes for an environment of config/, its Argo CD and bootstrap folders included. */
function allObjects(env: string): object[] {
  const config = loadConfig(env);
  const systems = synthesizeObjects(config);
  return [...[...systems.values()].flat(), ...synthesizeArgoCd(env, config, systems), ...synthesizeBootstrap(env, config, systems)];
}

describe('manifest YAML', () => {
  test.each(ENVIRONMENTS)('%s: every object is written without the library, as the library writes it', (env) => {
    const objects = allObjects(env);
    expect(objects.length).toBeGreaterThan(30);
    for (const object of objects) expect(emittedYaml(object)).toBe(Yaml.stringify(object));
  });

  test(`random objects of hostile strings (seed ${SEED}): the library's text, whichever writes it`, () => {
    // One hostile string anywhere hands an object to the library: the emitter still writes a share of them whole.
    expect(compare(manifestOf(PIECES, true), 3000)).toBeGreaterThan(150);
  });

  test(`random objects of manifest-like strings (seed ${SEED}): a good share written by the emitter, as the library writes them`, () => {
    expect(compare(manifestOf(TAME, false), 3000)).toBeGreaterThan(600);
  });

  test.each<[string, unknown]>([
    ['a string YAML 1.1 reads as a boolean', { y: 'n', on: 'yes', Off: 'NO' }],
    ['strings that read as numbers, times or null', { a: '8080', b: '1:20', c: '0x1F', d: '2001-12-14', e: '~', f: '.inf', g: '1_000' }],
    ['indicators and separators', { a: '-', b: '? x', c: 'a: b', d: '#x', e: 'x #y', f: 'x:', g: '[x]', h: '*ref', i: '' }],
    ['quotes and backslashes', { a: "it's", b: 'say "hi"', c: `both ' and "`, d: 'back\\slash', e: '"quoted"' }],
    ['tabs, control characters and non-ASCII', { a: 'tab\tin', b: 'bell\u0007', c: 'é', d: 'cr\r\nlf', e: 'tab\tend\t' }],
    [
      'literal blocks and their chomping',
      { a: 'x\ny', b: 'x\ny\n', c: 'x\n\n', d: ' lead\nx', e: 'x\n  y\n', f: 'x \n', g: '\nx', h: '\n', i: '\n\n' },
    ],
    ['blocks in a sequence and in a map in a sequence', { a: ['x\ny', { b: 'p\nq\n', c: [] }], d: [{}, [], null] }],
    ['document markers', { a: '---', b: '...\nx', c: 'x\n---\ny', '---': 1, '%x': 2 }],
    ['numbers the library writes its own way', { a: 0.5, b: -0, c: 1e21, d: Number.NaN, e: -Infinity, f: 2 ** 53 }],
    ['a sequence in a sequence, undefined and an empty key', { a: [['x', 'y'], []], b: undefined, '': 1 }],
    [
      'keys that need quotes, and a key too long to be implicit',
      { '80': 1, true: 2, 'a b': 3, 'x: y': 4, 'x\ny': 6, ['k'.repeat(1100)]: 5 },
    ],
    [
      'an object shared by two keys (the library writes an alias)',
      (() => {
        const shared = { x: 1 };
        return { a: shared, b: shared };
      })(),
    ],
    ['the merge key, which the library writes plain as a key and as a value', { '<<': '<<', a: ['<<'] }],
    // eslint-disable-next-line no-sparse-arrays -- the hole is the case
    ['a sequence with a hole (the library writes null there)', { a: [, 1], b: [1, , 2] }],
    ['a map that is not a plain object', { a: Object.assign(Object.create(null), { x: 1 }) }],
  ])('%s: as the library writes it, whole and each value alone, as a key, in a sequence and deeper', (_, object) => {
    const each = Object.entries(object as object).flatMap(([key, item]) => [
      { [key]: item },
      { list: [item] },
      { deep: { list: [{ [key]: item }] } },
      ...(typeof item === 'string' ? [{ [item]: 1 }] : []),
    ]);
    for (const sample of [object as object, ...each]) expect(manifestYaml(sample)).toBe(Yaml.stringify(sample));
  });
});
