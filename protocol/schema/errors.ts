import Type, { type Static } from 'typebox';

/** Stable error codes: clients branch on these, so never rename one. */
export const ErrorCode = Type.Union(
  [
    Type.Literal('bad_request', {
      description:
        'The frame is not plain msgpack within the bounds (an extension type, nesting deeper than 32, more than 65,536 values, ' +
        'a non-string map key, bytes after the message), not a request (a map with an integer id and a string op), fails the ' +
        "op's schema, or is a text frame; or a reset option the env cannot read.",
    }),
    Type.Literal('version_mismatch', { description: 'The client speaks a protocol major version the server does not.' }),
    Type.Literal('not_ready', { description: 'A request other than hello arrived before the handshake.' }),
    Type.Literal('unknown_env', { description: 'No environment is registered under that id.' }),
    Type.Literal('invalid_kwargs', { description: 'make() got a kwarg the env does not accept, or one of the wrong type.' }),
    Type.Literal('unknown_handle', { description: 'No open env has that handle on this connection.' }),
    Type.Literal('invalid_action', {
      description: 'The action is not in the action space (shape, dtype, range of a discrete action, non-finite).',
    }),
    Type.Literal('reset_needed', {
      description:
        'step before the first reset of the env (or a vector reset_mask before a full reset). Stepping after terminated/truncated ' +
        'without a reset is allowed, as in Gymnasium.',
    }),
    Type.Literal('env_broken', { description: 'The env threw earlier and is unusable; close it and make a new one.' }),
    Type.Literal('limit_exceeded', {
      description:
        'A per-request server limit was reached (envs or env instances on a connection, the size of a rendered frame, ...); ' +
        'the request changed nothing. Frame size is not one: a frame over max_payload_bytes closes the connection (1009).',
    }),
    Type.Literal('unauthorized', {
      description:
        'Never sent in a frame: a server with a token refuses the WebSocket upgrade with HTTP 401. ' +
        'Client libraries report a 401 with this code.',
    }),
    Type.Literal('unsupported', { description: 'The env or server does not support that request.' }),
    Type.Literal('internal', { description: 'The env or server failed; the connection stays usable.' }),
    Type.Literal('connection_lost', {
      description: 'Client side only: the connection closed before the answer came; never sent by a server.',
    }),
  ],
  { $id: 'ErrorCode' },
);
export type ErrorCode = Static<typeof ErrorCode>;

export const ErrorBody = Type.Object(
  { code: ErrorCode, message: Type.String(), details: Type.Optional(Type.Unknown()) },
  { $id: 'ErrorBody' },
);
export type ErrorBody = Static<typeof ErrorBody>;
