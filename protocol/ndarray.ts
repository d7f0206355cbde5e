// Typed arrays <-> wire NDArrays {dtype, shape, data: little-endian bytes}.
// On little-endian hosts (every platform Node ships for) encoding is a view of the array's
// memory and decoding is a view of the received bytes whenever their offset is aligned
// to the element size; otherwise the bytes are copied once.
import type { TypedArray } from './env-api.ts';
import type { DType } from './schema/spaces.ts';
import type { NDArray } from './schema/ndarray.ts';
import { preview, previewList } from './preview.ts';
import { GymwireError } from './errors.ts';

export type { NDArray };

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type TypedArrayCtor = {
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
  readonly BYTES_PER_ELEMENT: number;
};

const CTORS: Record<DType, TypedArrayCtor> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  bool: Uint8Array, // one byte per element, 0 or 1, as numpy stores bool
};

export const DTYPES = Object.keys(CTORS) as DType[];

export function bytesPerElement(dtype: DType): number {
  return CTORS[dtype].BYTES_PER_ELEMENT;
}

/** A zeroed typed array of the class that holds `dtype` (bool -> Uint8Array). */
export function allocate(dtype: DType, length: number): TypedArray {
  return new CTORS[dtype](length);
}

/** The dtype a typed array's class stands for (a Uint8Array is uint8; pass 'bool' explicitly). */
function dtypeOf(array: TypedArray): DType {
  if (array instanceof Float32Array) return 'float32';
  if (array instanceof Float64Array) return 'float64';
  if (array instanceof Int32Array) return 'int32';
  if (array instanceof BigInt64Array) return 'int64';
  if (array instanceof Int8Array) return 'int8';
  if (array instanceof Uint8Array) return 'uint8';
  throw new TypeError(`not a supported typed array: ${Object.prototype.toString.call(array)}`);
}

/** Whether `array` is an instance of the class that holds `dtype`. */
export function isArrayOf(dtype: DType, array: unknown): array is TypedArray {
  return array instanceof CTORS[dtype];
}

function shapeLength(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** The wire form of `array`. Shares memory with `array` on little-endian hosts. */
export function encodeArray(array: TypedArray, shape?: readonly number[], dtype?: DType): NDArray {
  const dt = dtype ?? dtypeOf(array);
  if (array.BYTES_PER_ELEMENT !== CTORS[dt].BYTES_PER_ELEMENT) {
    throw new TypeError(`a ${array.constructor.name} cannot carry dtype ${dt}`);
  }
  const shp = shape ? (shape as number[]) : [array.length];
  if (shapeLength(shp) !== array.length) {
    throw new RangeError(`shape [${shp.join(', ')}] does not hold ${array.length} elements`);
  }
  return { dtype: dt, shape: shp, data: littleEndianBytes(array) };
}

/** The array's elements as little-endian bytes: a view when the host is little-endian. */
function littleEndianBytes(array: TypedArray): Uint8Array {
  if (HOST_LITTLE_ENDIAN || array.BYTES_PER_ELEMENT === 1) {
    return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  }
  const out = new Uint8Array(array.byteLength);
  const view = new DataView(out.buffer);
  const bpe = array.BYTES_PER_ELEMENT;
  for (let i = 0; i < array.length; i++) writeElement(view, i * bpe, array, i);
  return out;
}

function writeElement(view: DataView, at: number, array: TypedArray, i: number): void {
  if (array instanceof Float32Array) view.setFloat32(at, array[i], true);
  else if (array instanceof Float64Array) view.setFloat64(at, array[i], true);
  else if (array instanceof Int32Array) view.setInt32(at, array[i], true);
  else if (array instanceof BigInt64Array) view.setBigInt64(at, array[i], true);
}

/**
 * The typed array a wire NDArray holds (bool -> Uint8Array). A view of `wire.data` when the
 * host is little-endian and the bytes are aligned, else a copy.
 * Throws GymwireError('bad_request') when the byte length does not match dtype and shape.
 */
export function decodeArray(wire: NDArray): TypedArray {
  const ctor = CTORS[wire.dtype];
  if (!ctor) throw new GymwireError('bad_request', `unknown dtype ${preview(wire.dtype)}`);
  const length = shapeLength(wire.shape);
  const bpe = ctor.BYTES_PER_ELEMENT;
  const data = wire.data;
  if (data.byteLength !== length * bpe) {
    throw new GymwireError(
      'bad_request',
      `array data has ${data.byteLength} bytes; ${wire.dtype}${previewList(wire.shape)} needs ${length * bpe}`,
    );
  }
  if (HOST_LITTLE_ENDIAN) {
    if (data.byteOffset % bpe === 0) return new ctor(data.buffer, data.byteOffset, length);
    const copy = new Uint8Array(data.byteLength);
    copy.set(data);
    return new ctor(copy.buffer, 0, length);
  }
  const out = new ctor(length);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < length; i++) readElement(view, i * bpe, out, i);
  return out;
}

function readElement(view: DataView, at: number, out: TypedArray, i: number): void {
  if (out instanceof Float32Array) out[i] = view.getFloat32(at, true);
  else if (out instanceof Float64Array) out[i] = view.getFloat64(at, true);
  else if (out instanceof Int32Array) out[i] = view.getInt32(at, true);
  else if (out instanceof BigInt64Array) out[i] = view.getBigInt64(at, true);
  else (out as Uint8Array | Int8Array)[i] = view.getUint8(at);
}

/** Whether a decoded msgpack value has the shape of an NDArray (used for info values). */
export function looksLikeNDArray(value: unknown): value is NDArray {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.dtype === 'string' && v.dtype in CTORS && Array.isArray(v.shape) && v.data instanceof Uint8Array;
}
