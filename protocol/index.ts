// The wire protocol (`gymwire/protocol`, see PROTOCOL.md): spaces, the Env interfaces every
// env and client implements, typed errors, the msgpack codec and the message schemas.
export type { EnvLike, Env, SpaceValue, TypedArray, Info, ResetArgs, ResetResult, StepResult, Frame } from './env-api.ts';
export {
  allocBatch,
  batchLayout,
  typedArrayOf,
  type AutoresetMode,
  type BatchLayout,
  type VectorActions,
  type VectorEnv,
  type VectorEnvLike,
  type VectorInfo,
  type VectorResetArgs,
  type VectorResetResult,
  type VectorSeed,
  type VectorStepResult,
} from './vector-api.ts';
export {
  box,
  contains,
  dict,
  dictKeys,
  discrete,
  flatdim,
  flatten,
  multiBinary,
  multiDiscrete,
  sample,
  shapeSize,
  tuple,
  unflatten,
  type Space,
  type DictSpace,
  type MultiBinarySpace,
  type MultiDiscreteSpace,
  type TupleSpace,
} from './spaces.ts';
export type { BoxSpace, DiscreteSpace, DType } from './schema/spaces.ts';
export { GymwireError } from './errors.ts';
export type { ErrorCode, ErrorBody } from './schema/errors.ts';
export type { EnvSpec, KwargRange, KwargSpec } from './schema/env-spec.ts';
export { parseRangeText, rangeProblem } from './kwarg-range.ts';
export { NumpyGenerator, PCG64, defaultRng, entropySeed } from './random.ts';
export { decodeArray, encodeArray, type NDArray } from './ndarray.ts';
export { decodeValue, fromWire, toWire } from './space-wire.ts';
export { decodeMessage, encodeMessage } from './codec.ts';
export { PROTOCOL_VERSION } from './schema/messages.ts';
export { FRAME_ENCODINGS, isFrameEncoding, offeredEncodings, pickEncoding, type FrameEncoding } from './frame-encoding.ts';
/** The messages' TypeBox schemas and their static types (wire forms: `messages.StepResult` is a step's answer on the wire). */
export * as messages from './schema/messages.ts';
export { protocolJsonSchema } from './schema/json-schema.ts';
