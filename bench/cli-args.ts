// Command-line flags for the bench and soak scripts: node's parseArgs plus --help / -h and a
// usage text, so a wrong or unknown flag prints the usage instead of a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The flags of `argv` (default: this process's). Prints `usage` and exits 0 on --help, or
 * prints the parse error and `usage` and exits 2 on an unknown or malformed flag.
 */
export function benchArgs<O extends Options>(usage: string, options: O, argv = process.argv.slice(2)) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: false });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${usage.trim()}\n`);
    process.exit(2);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${usage.trim()}\n`);
    process.exit(0);
  }
  return parsed.values as ReturnType<typeof parseArgs<{ options: O }>>['values'];
}
