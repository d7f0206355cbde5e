// The client library (`gymwire/client`): envs served by any gymwire server, as local ones.
export { RemoteEnv, type Kwargs } from './remote-env.ts';
export { decodeFrame, type EncodedFrame } from './frame-decode.ts';
export { RemoteVectorEnv } from './remote-vector-env.ts';
export { Connection, RequestTimeoutError, DEFAULT_REQUEST_TIMEOUT_MS, type ConnectOptions, type ReconnectOptions } from './connection.ts';
export {
  DiscoveryError,
  FarmDiscovery,
  isFarmUrl,
  parseFarmUrl,
  resolveFarm,
  respread,
  serverUrl,
  type DiscoveryOptions,
  type FarmChange,
  type FarmUrl,
  type ResolveOptions,
  type Respread,
} from './discovery.ts';
