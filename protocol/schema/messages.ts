// Every request and response of the gymwire protocol (see protocol/PROTOCOL.md).
// A request is one msgpack map {id, op, ...fields}; its answer is {id, result} or {id, error}.
// Objects allow unknown properties on purpose: a newer minor version may add optional fields,
// and an older peer must ignore them.
import Type, { type Static, type TSchema } from 'typebox';
import { MsgpackNumber, Bin } from './wire-types.ts';
import { Space } from './spaces.ts';
import { EnvSpec, KwargSpec, ResetOptionSpec } from './env-spec.ts';
import { ErrorBody } from './errors.ts';
import { NDArray, WireValue } from './ndarray.ts';

/** MAJOR.MINOR. A peer with another MAJOR is refused at hello; MINOR only adds optional fields and ops. */
export { PROTOCOL_VERSION } from '../handshake.ts';

const RequestId = Type.Integer({
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  description:
    'Chosen by the client, echoed in the response; 0 to 2^53 - 1. A request whose id is outside that range (or not an integer) ' +
    'is answered bad_request with id null. Unique among the requests in flight on a connection.',
});
const Handle = Type.Integer({ minimum: 0, description: 'An env opened by make on this connection.' });
const Info = Type.Record(Type.String(), Type.Unknown(), {
  description: 'The env info dict; typed arrays in it travel as NDArray maps.',
});
const Seed = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
// An array is a range kwarg's value (1.4); make checks it against the env's KwargSpec, so a
// malformed one (wrong length, not numbers, NaN, low > high) is invalid_kwargs, not bad_request.
const KwargValue = Type.Union([MsgpackNumber(), Type.Boolean(), Type.String(), Type.Null(), Type.Array(Type.Unknown())]);

function request<Op extends string, P extends Record<string, TSchema>>(op: Op, props: P, description: string) {
  return Type.Object({ id: RequestId, op: Type.Literal(op), ...props }, { $id: `${capitalize(op)}Request`, description });
}
function capitalize(op: string): string {
  return op.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
}

// ---- requests -------------------------------------------------------------------------------

export const HelloRequest = request(
  'hello',
  {
    protocol_version: Type.String({ pattern: '^[0-9]+\\.[0-9]+$', description: 'MAJOR.MINOR the client speaks.' }),
    client_name: Type.String(),
    client_version: Type.String(),
  },
  'The first request on every connection; anything else before it gets not_ready.',
);

export const ListEnvsRequest = request('list_envs', {}, 'Every env id the server can make.');

export const MakeRequest = request(
  'make',
  {
    env_id: Type.String(),
    kwargs: Type.Optional(Type.Record(Type.String(), KwargValue, { description: 'As gymnasium.make(id, **kwargs).' })),
    num_envs: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Sub-envs of a vector env (1.1). More than 1, or vector: true, makes a vector env; 1.0 servers accept only 1.',
      }),
    ),
    vector: Type.Optional(Type.Boolean({ description: 'Make a vector env even for num_envs 1 (1.1). Default: num_envs > 1.' })),
  },
  'Opens an env owned by this connection.',
);

export const ResetRequest = request(
  'reset',
  {
    handle: Handle,
    seed: Type.Optional(
      Type.Union([Seed, Type.Null(), Type.Array(Type.Union([Seed, Type.Null()]))], {
        description:
          'Seeds the env generator as numpy default_rng(seed); absent or null keeps the stream. ' +
          'Vector envs: sub-env i gets seed + i, or a list gives one seed (or null) per sub-env.',
      }),
    ),
    options: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
  },
  'env.reset(seed=..., options=...).',
);

export const StepRequest = request(
  'step',
  { handle: Handle, action: WireValue },
  'env.step(action). The action is encoded like a value of the action space.',
);

export const RenderRequest = request(
  'render',
  {
    handle: Handle,
    encoding: Type.Optional(
      Type.String({
        description:
          "How the frame's data travels (1.3): 'raw' (the default), 'zlib' or 'png' (PROTOCOL.md section 4, render). " +
          'One the server does not offer gets unsupported.',
      }),
    ),
  },
  'One rgb_array frame.',
);

export const CloseRequest = request('close', { handle: Handle }, 'Closes the env and frees its handle.');

export const Requests = {
  hello: HelloRequest,
  list_envs: ListEnvsRequest,
  make: MakeRequest,
  reset: ResetRequest,
  step: StepRequest,
  render: RenderRequest,
  close: CloseRequest,
} as const;
export type Op = keyof typeof Requests;

export const Request = Type.Union(Object.values(Requests), { $id: 'Request' });
export type Request = Static<typeof Request>;
export type HelloRequest = Static<typeof HelloRequest>;
export type ListEnvsRequest = Static<typeof ListEnvsRequest>;
export type MakeRequest = Static<typeof MakeRequest>;
export type ResetRequest = Static<typeof ResetRequest>;
export type StepRequest = Static<typeof StepRequest>;
export type RenderRequest = Static<typeof RenderRequest>;
export type CloseRequest = Static<typeof CloseRequest>;

/** Just enough structure to answer with the right id and op before the full check. */
export const RequestEnvelope = Type.Object({ id: RequestId, op: Type.String() }, { $id: 'RequestEnvelope' });
export type RequestEnvelope = Static<typeof RequestEnvelope>;

/** The frame encodings a server offers (1.3); a server before 1.3 lists none and sends raw frames. */
function RenderEncodings() {
  return Type.Array(Type.String(), {
    description: "Every encoding render accepts (1.3): at least 'raw', 'zlib' and 'png' (PROTOCOL.md section 4, render).",
  });
}

// ---- results ---------------------------------------------------------------------------------

export const Limits = Type.Object(
  {
    max_payload_bytes: Type.Integer({ description: 'Largest incoming frame; bigger ones close the connection (1009).' }),
    max_envs: Type.Integer({ description: 'Most envs (handles, single or vector) open at once on one connection.' }),
    max_num_envs: Type.Optional(
      Type.Integer({
        description: 'Most sub-envs in one vector env, and most env instances (a vector env counts num_envs) on one connection (1.1).',
      }),
    ),
    idle_timeout_ms: Type.Optional(
      Type.Integer({ description: 'A connection that sends nothing this long is closed (1001); 0 = never (1.1).' }),
    ),
    max_render_pixels: Type.Optional(
      Type.Integer({ description: 'Largest frame render returns (width x height); bigger gets limit_exceeded (1.1).' }),
    ),
  },
  { $id: 'Limits' },
);
export type Limits = Static<typeof Limits>;

export const HelloResult = Type.Object(
  {
    protocol_version: Type.String({ description: 'MAJOR.MINOR the server speaks.' }),
    server_name: Type.String(),
    server_version: Type.String(),
    limits: Limits,
    render_encodings: Type.Optional(RenderEncodings()),
  },
  { $id: 'HelloResult' },
);
export type HelloResult = Static<typeof HelloResult>;

export const EnvInfo = Type.Object(
  {
    id: Type.String(),
    observation_space: Space,
    action_space: Space,
    max_episode_steps: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    reward_threshold: Type.Union([MsgpackNumber(), Type.Null()]),
    nondeterministic: Type.Boolean(),
    kwargs: Type.Record(Type.String(), KwargSpec, { description: 'Every kwarg make accepts for this id.' }),
    reset_options: Type.Optional(
      Type.Record(Type.String(), ResetOptionSpec, {
        description: "Every key the env's reset(options=...) reads (1.2); the env ignores other keys, as Gymnasium's do.",
      }),
    ),
    render_modes: Type.Optional(
      Type.Array(Type.String(), {
        description:
          "What render returns for this env (1.2): ['rgb_array'], or [] when the env cannot render (render is then unsupported).",
      }),
    ),
    render_fps: Type.Optional(
      Type.Union([MsgpackNumber(), Type.Null()], {
        description: "Gymnasium's metadata['render_fps']: frames per second of real time, for videos (1.2); null when unknown.",
      }),
    ),
  },
  { $id: 'EnvInfo' },
);
export type EnvInfo = Static<typeof EnvInfo>;

export const ListEnvsResult = Type.Object(
  { envs: Type.Array(EnvInfo), render_encodings: Type.Optional(RenderEncodings()) },
  { $id: 'ListEnvsResult' },
);
export type ListEnvsResult = Static<typeof ListEnvsResult>;

export const MakeResult = Type.Object(
  {
    handle: Handle,
    observation_space: Space,
    action_space: Space,
    spec: EnvSpec,
    num_envs: Type.Integer({ minimum: 1, description: '1 for a single env; the sub-env count of a vector env.' }),
    vector: Type.Optional(
      Type.Boolean({ description: 'True for a vector env (1.1); the spaces are then the single sub-env spaces. Absent: false.' }),
    ),
  },
  { $id: 'MakeResult' },
);
export type MakeResult = Static<typeof MakeResult>;

export const ResetResult = Type.Object({ obs: WireValue, info: Info }, { $id: 'ResetResult' });
export type ResetResult = Static<typeof ResetResult>;

export const StepResult = Type.Object(
  { obs: WireValue, reward: MsgpackNumber(), terminated: Type.Boolean(), truncated: Type.Boolean(), info: Info },
  { $id: 'StepResult' },
);
export type StepResult = Static<typeof StepResult>;

export const VectorStepResult = Type.Object(
  {
    obs: NDArray,
    reward: NDArray,
    terminated: NDArray,
    truncated: NDArray,
    info: Type.Record(Type.String(), Type.Unknown(), {
      description: "Gymnasium's batched info: per key an array over sub-envs plus a '_key' bool mask.",
    }),
  },
  {
    $id: 'VectorStepResult',
    description:
      'step on a vector env: obs [num_envs, ...], reward float64[num_envs], terminated/truncated bool[num_envs] ' +
      '(PROTOCOL.md, Vector envs).',
  },
);
export type VectorStepResult = Static<typeof VectorStepResult>;

export const Frame = Type.Object(
  {
    width: Type.Integer({ minimum: 0 }),
    height: Type.Integer({ minimum: 0 }),
    data: Bin({ description: 'msgpack bin: height x width x 3 RGB bytes, row-major; or those bytes as the encoding says (1.3).' }),
    encoding: Type.Optional(Type.String({ description: "How data is encoded (1.3): the render request's encoding; absent means 'raw'." })),
  },
  { $id: 'Frame' },
);
export type Frame = Static<typeof Frame>;

export const RenderResult = Type.Object({ frame: Frame }, { $id: 'RenderResult' });
export type RenderResult = Static<typeof RenderResult>;

export const CloseResult = Type.Object({}, { $id: 'CloseResult' });
export type CloseResult = Static<typeof CloseResult>;

export const Results = {
  hello: HelloResult,
  list_envs: ListEnvsResult,
  make: MakeResult,
  reset: ResetResult,
  step: Type.Union([StepResult, VectorStepResult]),
  render: RenderResult,
  close: CloseResult,
} as const;

export interface ResultOf {
  hello: HelloResult;
  list_envs: ListEnvsResult;
  make: MakeResult;
  reset: ResetResult;
  step: StepResult | VectorStepResult;
  render: RenderResult;
  close: CloseResult;
}
export type RequestOf = {
  [K in Op]: Static<(typeof Requests)[K]>;
};

// ---- responses -------------------------------------------------------------------------------

/** A success: the result of the request with the same id. */
export const ResultResponse = Type.Object({ id: RequestId, result: Type.Union(Object.values(Results)) }, { $id: 'ResultResponse' });
export type ResultResponse = Static<typeof ResultResponse>;

/** A failure. id is null only when the request could not be read far enough to find its id. */
export const ErrorResponse = Type.Object({ id: Type.Union([RequestId, Type.Null()]), error: ErrorBody }, { $id: 'ErrorResponse' });
export type ErrorResponse = Static<typeof ErrorResponse>;

export const Response = Type.Union([ResultResponse, ErrorResponse], { $id: 'Response' });
export type Response = Static<typeof Response>;

export { NDArray, WireValue };
