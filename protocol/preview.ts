// Bounded text for values a peer sent: error messages, details and log lines quote client
// values only through these, so neither a 4 MiB string nor a deep or wide structure is ever
// copied or walked to build an error. Nothing here recurses into the value.

/** At most this many characters of a quoted string. */
const MAX_STRING = 40;

/**
 * A short description of `value` (at most ~60 characters): a quoted prefix of a string, a number, or the
 * kind and size of anything bigger.
 */
export function preview(value: unknown, maxString = MAX_STRING): string {
  switch (typeof value) {
    case 'string':
      return value.length <= maxString ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, maxString))}... (${value.length} chars)`;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    case 'object':
      if (value === null) return 'null';
      if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength} bytes)`;
      if (Array.isArray(value)) return `an array of ${value.length}`;
      return `a map`;
    default:
      return typeof value;
  }
}

/** A list of numbers (a shape, a few elements) as `[a, b, ...]`, at most `max` of them. */
export function previewList(values: ArrayLike<unknown>, max = 8): string {
  const n = Math.min(values.length, max);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(preview(values[i], 12));
  if (values.length > max) parts.push(`... (${values.length} items)`);
  return `[${parts.join(', ')}]`;
}

/** `text` cut to at most `max` characters (for messages built from client data elsewhere: msgpack errors, schema paths). */
export function clip(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} chars)`;
}
