// Batching of sub-env infos into one VectorInfo, as Gymnasium's VectorEnv._add_info:
// a column per key plus a '_key' mask of the sub-envs that reported it.
import type { Info, TypedArray } from '../../protocol/env-api.ts';
import type { VectorInfo } from '../../protocol/vector-api.ts';

type TypedArrayCtor = { new (length: number): TypedArray };

/** What a typed column holds, so a column can be turned back into raw values. */
export type ColumnKind = 'number' | 'boolean' | { rowLength: number };
const columnKinds = new WeakMap<object, ColumnKind>();

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isTypedArray(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/**
 * What a column of a VectorInfo built by addInfo holds: 'number' (Float64Array), 'boolean'
 * (Uint8Array of 0/1), {rowLength} (a typed array per sub-env), or undefined for masks and
 * plain arrays. Encoders use it to give booleans and rows their own wire types.
 */
export function columnKind(column: unknown): ColumnKind | undefined {
  return typeof column === 'object' && column !== null ? columnKinds.get(column) : undefined;
}

/** True when an info has no keys; checked without allocating, as most steps report nothing. */
export function isEmptyInfo(info: Info | undefined | null): boolean {
  for (const _ in info ?? {}) return false;
  return true;
}

function newColumn(value: unknown, numEnvs: number): unknown {
  let column: TypedArray;
  let kind: ColumnKind;
  if (typeof value === 'number') {
    column = new Float64Array(numEnvs);
    kind = 'number';
  } else if (typeof value === 'boolean') {
    column = new Uint8Array(numEnvs);
    kind = 'boolean';
  } else if (isTypedArray(value)) {
    column = new (value.constructor as TypedArrayCtor)(numEnvs * value.length);
    kind = { rowLength: value.length };
  } else {
    return new Array<unknown>(numEnvs).fill(null);
  }
  columnKinds.set(column, kind);
  return column;
}

/** Writes value into slot i of column if its type fits the column; false if not. */
function put(column: unknown, i: number, value: unknown): boolean {
  if (Array.isArray(column)) {
    column[i] = value;
    return true;
  }
  const kind = columnKinds.get(column as object);
  if (kind === 'number' && typeof value === 'number') {
    (column as Float64Array)[i] = value;
    return true;
  }
  if (kind === 'boolean' && typeof value === 'boolean') {
    (column as Uint8Array)[i] = value ? 1 : 0;
    return true;
  }
  if (
    typeof kind === 'object' &&
    isTypedArray(value) &&
    value.constructor === (column as TypedArray).constructor &&
    value.length === kind.rowLength
  ) {
    (column as Float64Array).set(value as Float64Array, i * kind.rowLength);
    return true;
  }
  return false;
}

/** The raw per-sub-env values of a typed column (null where unreported). */
function toPlainColumn(column: unknown, mask: Uint8Array, numEnvs: number): unknown[] {
  const out = new Array<unknown>(numEnvs).fill(null);
  const kind = columnKinds.get(column as object);
  if (kind === undefined) return out;
  const typed = column as TypedArray;
  for (let i = 0; i < numEnvs; i++) {
    if (!mask[i]) continue;
    if (kind === 'number') out[i] = typed[i];
    else if (kind === 'boolean') out[i] = typed[i] === 1;
    else out[i] = typed.slice(i * kind.rowLength, (i + 1) * kind.rowLength);
  }
  return out;
}

/**
 * Adds sub-env i's info into the vector info (mutating and returning it). A key whose
 * values differ in type between sub-envs degrades to a plain array of the raw values,
 * where Gymnasium would coerce or fail.
 */
export function addInfo(vectorInfo: VectorInfo, info: Info, i: number, numEnvs: number): VectorInfo {
  for (const key in info) {
    const value = info[key];
    const maskKey = `_${key}`;
    let mask = vectorInfo[maskKey] as Uint8Array | undefined;
    if (mask === undefined) {
      mask = new Uint8Array(numEnvs);
      vectorInfo[maskKey] = mask;
    }
    const existing = vectorInfo[key];
    if (isPlainObject(value) && (existing === undefined || isPlainObject(existing))) {
      vectorInfo[key] = addInfo(existing ?? {}, value, i, numEnvs);
    } else {
      const column = existing === undefined || isPlainObject(existing) ? newColumn(value, numEnvs) : existing;
      if (put(column, i, value)) {
        vectorInfo[key] = column;
      } else {
        const plain = toPlainColumn(column, mask, numEnvs);
        plain[i] = value;
        vectorInfo[key] = plain;
      }
    }
    mask[i] = 1;
  }
  return vectorInfo;
}
