// The server as a library (`gymwire/server`): what `gymwire serve` runs, to embed in a program.
export { startServer, type RunningServer, type ServerOptions } from './server.ts';
export { loadPlugins, PluginError, PluginCheckError, PLUGIN_API, type LoadedPlugin, type PluginApi } from './plugins.ts';
export { LIMIT_DEFAULTS, type Limits } from './limits.ts';
