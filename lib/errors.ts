/** The one kind of error a user fixes: bad input, with a message naming the file, the field and the fix. */

/** A configuration or command line the user has to fix; the message names the file, the field and the fix. */
export class ConfigError extends Error {}

/** A value as a message shows it: quoted, escaped, and cut short (it may be 1 MB long or hold a newline). */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}
