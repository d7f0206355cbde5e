// What a client says before its first request: the protocol version at hello, and the
// WebSocket sub-protocols of the upgrade (PROTOCOL.md section 8), and the request deadline both
// clients (client/, web/) default to. Apart from schema/ so a browser bundle (web/) need not
// carry the schemas.

/** MAJOR.MINOR of the protocol this code speaks. */
export const PROTOCOL_VERSION = '1.4';

/** The sub-protocol a server selects when the client offers it. */
export const SUBPROTOCOL = 'gymwire';

/** Prefix of the sub-protocol that carries a token (browsers cannot set an Authorization header). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'gymwire.token.';

/**
 * How long (ms) a client gives the server to answer a request, by default (the Node client and
 * the browser page alike): the longest request of the built-in envs (a reset of 1024
 * BipedalWalkerHardcore sub-envs) takes ~10 s on an idle server, and a busy server shares its
 * time between connections.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
