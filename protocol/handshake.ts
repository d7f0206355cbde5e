// What a client says before its first request: the protocol version at hello, and the
// WebSocket sub-protocols of the upgrade (PROTOCOL.md section 8). Apart from schema/ so a
// browser bundle (web/) need not carry the schemas.

/** MAJOR.MINOR of the protocol this code speaks. */
export const PROTOCOL_VERSION = '1.2';

/** The sub-protocol a server selects when the client offers it. */
export const SUBPROTOCOL = 'gymwire';

/** Prefix of the sub-protocol that carries a token (browsers cannot set an Authorization header). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'gymwire.token.';
