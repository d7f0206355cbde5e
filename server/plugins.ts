// Plugins: modules that register their own envs before the server starts
// (`npm run env-server -- --plugin ./my-envs.ts`).
//
// A plugin is any ES module (.ts through tsx, or .js/.mjs) that, when imported, calls
// `register()` from envs/index.ts — the same API the built-in envs use. A plugin may instead
// (or also) export a default function; it is called with that API, so a module living outside
// this repository needs no relative import path into it:
//
//   export default function ({ register, BaseEnv, box }) { register({ id: 'Mine-v0', ... }); }
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BaseEnv, register, registrations } from '../envs/index.ts';
import { box, discrete } from '../protocol/spaces.ts';
import { GymwireError } from '../protocol/errors.ts';

/** What a plugin's default export is called with. */
export const PLUGIN_API = { register, BaseEnv, box, discrete, GymwireError } as const;
export type PluginApi = typeof PLUGIN_API;

export class PluginError extends Error {
  constructor(
    readonly plugin: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`plugin ${plugin}: ${message}`, options);
    this.name = 'PluginError';
  }
}

export interface LoadedPlugin {
  /** The path as given. */
  spec: string;
  /** The absolute file it resolved to. */
  path: string;
  /** Env ids it registered. */
  envIds: string[];
}

/**
 * Imports each plugin (paths relative to `cwd`, in order) and returns what each registered.
 * Throws PluginError when a file is missing, its import fails, its default export throws,
 * or it registers no env at all (which usually means a second copy of the registry: import
 * `register` from this repository's envs/index.ts, or use the default-export form).
 */
export async function loadPlugins(specs: readonly string[], cwd: string = process.cwd()): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    const path = isAbsolute(spec) ? spec : resolve(cwd, spec);
    if (seen.has(path)) continue; // a module is evaluated once; a repeated flag adds nothing
    seen.add(path);
    if (!existsSync(path)) throw new PluginError(spec, `no such file: ${path}`);
    const before = new Set(registrations().map((r) => r.id));
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (e) {
      throw new PluginError(spec, `import failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    }
    if (typeof mod.default === 'function') {
      try {
        await (mod.default as (api: PluginApi) => unknown)(PLUGIN_API);
      } catch (e) {
        throw new PluginError(spec, `its default export threw: ${(e as Error)?.message ?? String(e)}`, { cause: e });
      }
    }
    const envIds = registrations()
      .map((r) => r.id)
      .filter((id) => !before.has(id));
    if (envIds.length === 0) {
      throw new PluginError(
        spec,
        'registered no env (call register() from envs/index.ts when imported, or export a default function taking { register })',
      );
    }
    loaded.push({ spec, path, envIds });
  }
  return loaded;
}
