import Type, { type Static } from 'typebox';

/** Stable error codes: clients branch on these, so never rename one. */
export const ErrorCode = Type.Union(
  [
    Type.Literal('bad_request', { description: 'The frame is not valid msgpack or fails the message schema.' }),
    Type.Literal('version_mismatch', { description: 'The client speaks a protocol major version the server does not.' }),
    Type.Literal('not_ready', { description: 'A request other than hello arrived before the handshake.' }),
    Type.Literal('unknown_env', { description: 'No environment is registered under that id.' }),
    Type.Literal('invalid_kwargs', { description: 'make() got a kwarg the env does not accept, or one of the wrong type.' }),
    Type.Literal('unknown_handle', { description: 'No open env has that handle on this connection.' }),
    Type.Literal('invalid_action', { description: 'The action is not in the action space (shape, dtype, range of a discrete action, non-finite).' }),
    Type.Literal('reset_needed', { description: 'step() was called before reset() or after the episode ended without reset.' }),
    Type.Literal('env_broken', { description: 'The env threw earlier and is unusable; close it and make a new one.' }),
    Type.Literal('limit_exceeded', { description: 'A server limit (envs per connection, message size, ...) was reached.' }),
    Type.Literal('unauthorized', { description: 'Missing or wrong auth token.' }),
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
