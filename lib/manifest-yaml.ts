/**
 * The YAML text of one manifest, byte for byte what cdk8s's `Yaml.stringify` writes (the `yaml` library:
 * YAML 1.1, no line folding, two-space indent, nested sequences indented), in a fraction of its time:
 * the library builds a node tree and tries every style on every scalar, which was a quarter of a synth.
 *
 * Only the shapes manifests have are written here: maps, sequences, whole numbers, booleans, null, and
 * strings that are plain, double-quoted with nothing to escape, or literal blocks. Anything else in a
 * manifest (a float, a string with a control character, a character beyond ASCII, a quote or backslash
 * to escape or edge whitespace in a block, a sequence in a sequence, an object seen twice, which the
 * library would write as an alias) hands the whole manifest to `Yaml.stringify`: either way the text is
 * the library's. The tests hold it to the library on dist/'s objects
 * and on random ones.
 */
import { Yaml } from 'cdk8s';
import * as YAML from 'yaml';

/** Thrown inside the emitter for a value it leaves to the library: one object, made once (no stack to capture each time). */
class Unsupported extends Error {}
const UNSUPPORTED = new Unsupported('a shape left to the yaml library');

const STEP = '  ';

/** The YAML 1.1 tags (other than str) whose plain form a string could be mistaken for: '8080', 'yes', 'n', '1:20', '~'. */
const OTHER_TAGS = (() => {
  const schema = new YAML.Document(null, { version: '1.1' }).schema;
  return [...schema.tags, ...(schema.compat ?? [])].flatMap((tag) =>
    'test' in tag && tag.test && tag.default && tag.tag !== 'tag:yaml.org,2002:str' ? [tag.test] : [],
  );
})();

/** What the library refuses to write plain (its plainString test), and what it would write another way. */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Control characters and anything not ASCII, which the library may escape: left to it. */
const NOT_ASCII = /[^\x20-\x7e\t]/;
/** What the library escapes in double quotes, and the quote that makes it choose single quotes. */
const NEEDS_ESCAPE = /[^\x20-\x7e]|["\\]/;
/** A document marker at the start of a line, which changes how the library indents or quotes. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/** A one-line string: plain when the library writes it plain, else double-quoted when that needs no escape. */
function inlineString(value: string): string {
  // A document marker changes how the library indents or quotes; '<<' it writes plain, as its merge key. A newline is caught below.
  if (DOCUMENT_MARKER.test(value) || value === '<<') throw UNSUPPORTED;
  if (!NOT_PLAIN.test(value) && value !== '' && !OTHER_TAGS.some((test) => test.test(value))) {
    if (NOT_ASCII.test(value)) throw UNSUPPORTED;
    return value;
  }
  if (NEEDS_ESCAPE.test(value)) throw UNSUPPORTED;
  return `"${value}"`;
}

/** A multi-line string as a literal block whose lines sit at `indent`: `|` (one final newline) or `|-` (none). */
function blockString(value: string, indent: string): string {
  const last = value[value.length - 1];
  const clip = last === '\n';
  const body = clip ? value.slice(0, -1) : value;
  // Edge whitespace (indentation indicators, kept newlines) and control characters take the library's other branches.
  if (body === '' || /^[\n ]|[\n\t ]$/.test(body) || NOT_ASCII.test(value.replace(/\n/g, ' '))) throw UNSUPPORTED;
  return `|${clip ? '' : '-'}\n${indent}${body.replace(/\n+/g, `$&${indent}`)}`;
}

/** A scalar after "key: " or "- ", whose block lines (if any) sit at `indent`. */
function scalar(value: unknown, indent: string): string {
  if (typeof value === 'string') return value.includes('\n') ? blockString(value, indent) : inlineString(value);
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  throw UNSUPPORTED;
}

/** The lines of a value placed after "key:" or "- " at `indent`, as the text that follows the colon or dash. */
function nested(value: unknown, indent: string, seen: Set<object>, inSequence: boolean): string {
  if (typeof value !== 'object' || value === null) return ` ${scalar(value, indent + STEP)}`;
  if (seen.has(value)) throw UNSUPPORTED; // the library would write an anchor and an alias
  seen.add(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    if (inSequence) throw UNSUPPORTED;
    return `\n${sequence(value, indent + STEP, seen)}`;
  }
  if (!isMap(value)) throw UNSUPPORTED;
  if (Object.keys(value).length === 0) return ' {}';
  // A map in a sequence starts on the dash's line; a map under a key starts on the next line.
  return inSequence ? ` ${map(value, indent + STEP, seen).slice(indent.length + STEP.length)}` : `\n${map(value, indent + STEP, seen)}`;
}

function map(value: Record<string, unknown>, indent: string, seen: Set<object>): string {
  return Object.entries(value)
    .map(([key, item]) => {
      if (key.length > 1000) throw UNSUPPORTED; // the library writes a key over 1024 characters as an explicit "? key"
      return `${indent}${inlineString(key)}:${nested(item, indent, seen, false)}`;
    })
    .join('\n');
}

function sequence(value: unknown[], indent: string, seen: Set<object>): string {
  // Array.from, not map: a hole reaches nested() as undefined (the library writes null there), not skipped.
  return Array.from(value, (item) => `${indent}-${nested(item, indent, seen, true)}`).join('\n');
}

/** The text of one manifest written here, or undefined when it has a shape left to the library. */
export function emittedYaml(manifest: object): string | undefined {
  try {
    if (!isMap(manifest) || Object.keys(manifest).length === 0) return undefined;
    return `${map(manifest, '', new Set([manifest]))}\n`;
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

/** The text of one manifest, as `Yaml.stringify(manifest)` writes it. */
export function manifestYaml(manifest: object): string {
  return emittedYaml(manifest) ?? Yaml.stringify(manifest);
}
