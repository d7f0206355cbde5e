// Plugins: modules that register their own envs before the server starts
// (`npm run env-server -- --plugin ./my-envs.ts`, or `--plugin some-npm-package`).
//
// A plugin is any ES module (.ts through tsx, or .js/.mjs) that, when imported, calls
// `register()` from envs/index.ts — the same API the built-in envs use. A plugin may instead
// (or also) export a default function; it is called with that API, so a module living outside
// this repository (an npm package, say) needs no import path into it:
//
//   export default function ({ register, BaseEnv, box }) { register({ id: 'Mine-v0', ... }); }
//
// Each env a plugin registers is checked as it loads (envs/env-checker.ts: made with its default
// kwargs, its spaces, a seeded reset and one step with a sampled action, then closed); the
// first problem stops the load with a PluginCheckError naming the plugin and the env.
//
// A plugin is named by a file path (relative to the current directory) or by the name of an
// installed npm package, resolved as `import` would from the current directory (its
// node_modules and those above it, the package's `exports` or `main`).
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve as resolveImport } from 'import-meta-resolve';
import { BaseEnv, register, registration, registrations } from '../envs/index.ts';
import { checkEnv, EnvCheckError } from '../envs/env-checker.ts';
import { box, discrete } from '../protocol/spaces.ts';
import { GymwireError } from '../protocol/errors.ts';
import { Canvas } from '../graphics/canvas.ts';

/** What a plugin's default export is called with. */
export const PLUGIN_API = { register, BaseEnv, box, discrete, GymwireError, Canvas } as const;
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

/** An env a plugin registered failed the env checker (envs/env-checker.ts): "plugin SPEC: ENV-ID: problem". */
export class PluginCheckError extends PluginError {
  constructor(
    plugin: string,
    readonly envId: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(plugin, `${envId}: ${problem}`, options);
    this.name = 'PluginCheckError';
  }
}

export interface LoadedPlugin {
  /** The path or package name as given. */
  spec: string;
  /** The absolute file it resolved to. */
  path: string;
  /** Env ids it registered. */
  envIds: string[];
}

// ./x, ../x, /x (and .\x on Windows) are paths whether or not they exist.
const PATH_LIKE = /^(\.{1,2}([\\/]|$)|[\\/])/;

/**
 * The file a plugin spec names: a path relative to `cwd` when it looks like one or such a
 * file exists, otherwise an installed package (its exports' "import"/"node"/"default"
 * entry, or its main), looked up in node_modules from `cwd` upwards.
 */
export function locatePlugin(spec: string, cwd: string): string {
  const path = isAbsolute(spec) ? spec : resolve(cwd, spec);
  const exists = existsSync(path);
  if (exists || PATH_LIKE.test(spec)) {
    if (!exists) throw new PluginError(spec, `no such file: ${path}`);
    if (statSync(path).isDirectory()) {
      throw new PluginError(
        spec,
        `${path} is a folder: give its module file, or install it (npm install ${spec}) and give the package's name`,
      );
    }
    return path;
  }
  let url: string;
  try {
    url = resolveImport(spec, pathToFileURL(join(cwd, 'plugin-loader.js')).href);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).startsWith('Cannot find package')
        ? `no such file (${path}) and no installed package of that name (node_modules from ${cwd} up)`
        : `cannot resolve it as a package: ${err.message}`;
    throw new PluginError(spec, why, { cause: e });
  }
  if (!url.startsWith('file:')) throw new PluginError(spec, `resolves to ${url}, not a module file`);
  const file = fileURLToPath(url);
  if (!existsSync(file)) throw new PluginError(spec, `the package's exports/main name ${file}, which does not exist`);
  return file;
}

/**
 * Runs the env checker (envs/env-checker.ts) on each env a plugin registered, but those that
 * say `skipCheck: true`: one instance each, made, reset, stepped once and closed.
 */
function checkPluginEnvs(spec: string, envIds: readonly string[]): void {
  for (const id of envIds) {
    if (registration(id).skipCheck === true) continue;
    try {
      checkEnv(id);
    } catch (e) {
      if (e instanceof EnvCheckError) throw new PluginCheckError(spec, e.envId, e.problem, { cause: e });
      throw e;
    }
  }
}

/**
 * Imports each plugin (file paths relative to `cwd`, or installed package names; in order)
 * and returns what each registered. Throws PluginError when a plugin cannot be found, its
 * import fails, its default export throws, or it registers no env at all (which usually
 * means a second copy of the registry: import `register` from this repository's
 * envs/index.ts, or use the default-export form); and PluginCheckError when an env it
 * registered fails the env checker (unless `check: false`, for modules already checked).
 */
export async function loadPlugins(
  specs: readonly string[],
  cwd: string = process.cwd(),
  { check = true }: { check?: boolean } = {},
): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = [];
  const seen = new Set<string>();
  for (const spec of specs) {
    const path = locatePlugin(spec, cwd);
    if (seen.has(path)) continue; // a module is evaluated once; a repeated flag adds nothing
    seen.add(path);
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
    if (check) checkPluginEnvs(spec, envIds);
    loaded.push({ spec, path, envIds });
  }
  return loaded;
}
