// The byte-level check a server runs before decoding a frame (protocol/msgpack-scan.ts),
// and the bounded previews error messages quote client values through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { encodeMessage } from '../../protocol/codec.ts';
import { MAX_DEPTH, MAX_VALUES, peekId, scanFrame } from '../../protocol/msgpack-scan.ts';
import { clip, preview, previewList } from '../../protocol/preview.ts';

const b = (...xs: number[]) => Uint8Array.from(xs);
const str = (s: string) => [0xa0 | s.length, ...Buffer.from(s)];

/** Arrays nested `depth` deep around one nil: [[[...nil]]]. */
function nested(depth: number): Uint8Array {
  return Uint8Array.from([...Array(depth).fill(0x91), 0xc0]);
}

test('every plain msgpack format is accepted', () => {
  const frames = [
    b(0x00),
    b(0x7f),
    b(0xe0),
    b(0xc0),
    b(0xc2),
    b(0xc3),
    b(0xcc, 1),
    b(0xcd, 1, 2),
    b(0xce, 1, 2, 3, 4),
    b(0xcf, 0, 0, 0, 0, 0, 0, 0, 1),
    b(0xd0, 0xff),
    b(0xd1, 0, 1),
    b(0xd2, 0, 0, 0, 1),
    b(0xd3, 0, 0, 0, 0, 0, 0, 0, 1),
    b(0xca, 0, 0, 0, 0),
    b(0xcb, 0, 0, 0, 0, 0, 0, 0, 0),
    b(0xa1, 0x41),
    b(0xd9, 1, 0x41),
    b(0xda, 0, 1, 0x41),
    b(0xdb, 0, 0, 0, 1, 0x41),
    b(0xc4, 1, 9),
    b(0xc5, 0, 1, 9),
    b(0xc6, 0, 0, 0, 1, 9),
    b(0x92, 1, 2),
    b(0xdc, 0, 1, 1),
    b(0xdd, 0, 0, 0, 1, 1),
    b(0x81, ...str('a'), 1),
    b(0xde, 0, 1, ...str('a'), 1),
    b(0xdf, 0, 0, 0, 1, ...str('a'), 1),
    b(0x80),
    b(0x90),
    encodeMessage({ id: 1, op: 'step', handle: 2, action: { dtype: 'float32', shape: [2], data: new Uint8Array(8) } }),
  ];
  for (const f of frames) assert.equal(scanFrame(f), null, Buffer.from(f).toString('hex'));
});

test('every extension type is refused, msgpackr structured clones, records and dates included', () => {
  const ext = [
    b(0xd4, 1, 0),
    b(0xd5, 1, 0, 0),
    b(0xd6, 0xff, 0, 0, 0, 0),
    b(0xd7, 0xff, ...Array(8).fill(0)),
    b(0xd8, 1, ...Array(16).fill(0)),
    b(0xc7, 1, 5, 0),
    b(0xc8, 0, 1, 5, 0),
    b(0xc9, 0, 0, 0, 1, 5, 0),
  ];
  for (const f of ext) assert.match(scanFrame(Uint8Array.from([0x81, ...str('a'), ...f]))!, /extension types/);
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  const clone = new Packr({ structuredClone: true, useRecords: false }).pack({ id: 1, op: 'step', handle: 1, action: cyclic });
  assert.ok(clone.length < 48);
  assert.match(scanFrame(clone)!, /extension types/);
  assert.match(scanFrame(new Packr({ useRecords: true }).pack({ id: 1, op: 'list_envs' }))!, /extension types/);
  assert.match(scanFrame(new Packr().pack({ id: 1, op: 'hello', when: new Date(0) }))!, /extension types/);
  assert.match(scanFrame(new Packr({ moreTypes: true }).pack({ id: 1, a: new Set([1]) }))!, /extension types/);
});

test('depth and value counts are bounded; malformed bytes are named', () => {
  assert.equal(scanFrame(nested(MAX_DEPTH)), null);
  assert.match(scanFrame(nested(MAX_DEPTH + 1))!, /nested more than 32 deep/);
  assert.match(scanFrame(nested(100_000))!, /nested more than/);
  // An array of MAX_VALUES - 1 nils is MAX_VALUES values with the array itself.
  const wide = (n: number) => Uint8Array.from([0xdd, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255, ...Array(n).fill(0xc0)]);
  assert.equal(scanFrame(wide(MAX_VALUES - 1)), null);
  assert.match(scanFrame(wide(MAX_VALUES))!, /more than 65536 msgpack values/);
  // A header claiming 2^32 - 1 entries is refused at the header, not after reading them.
  assert.match(scanFrame(b(0xdd, 0xff, 0xff, 0xff, 0xff))!, /more than 65536/);
  assert.match(scanFrame(b(0x81, 0x01, 0x02))!, /map key is not a string/);
  assert.match(scanFrame(b(0x81, 0x90, 0x02))!, /map key is not a string/);
  assert.match(scanFrame(b(0xc1))!, /0xc1/);
  assert.match(scanFrame(b(0x92, 1))!, /truncated/);
  assert.match(scanFrame(b(0xc4, 5, 1, 2))!, /truncated/);
  assert.match(scanFrame(b(0xdb, 0xff, 0xff, 0xff, 0xff))!, /truncated/);
  assert.match(scanFrame(b(0xcb, 0, 0))!, /truncated/);
  assert.match(scanFrame(b())!, /truncated/);
  assert.match(scanFrame(b(0x01, 0x02))!, /bytes after the end/);
});

test('peekId reads the top-level id past extensions, deep values and broken tails', () => {
  const head = [0x83, ...str('op'), ...str('step'), ...str('id')];
  assert.equal(peekId(Uint8Array.from([...head, 0x07, ...str('action'), 0xd6, 0x70, 0, 0, 0, 0])), 7);
  assert.equal(peekId(Uint8Array.from([0x82, ...str('action'), ...nested(5000), ...str('id'), 0xcd, 1, 0])), 256);
  assert.equal(
    peekId(Uint8Array.from([0x82, ...str('id'), 0xcb, ...new Uint8Array(new Float64Array([2 ** 52]).buffer).reverse(), 0xc1])),
    2 ** 52,
  );
  assert.equal(peekId(Uint8Array.from([0x82, 0xd9, 2, 0x69, 0x64, 0x05, 0xc1])), 5, 'str8 key, truncated after');
  assert.equal(peekId(Uint8Array.from([0x81, ...str('id'), 0xff])), null, 'negative');
  assert.equal(peekId(Uint8Array.from([0x81, ...str('id'), 0xcf, 0, 0x20, 0, 0, 0, 0, 0, 0])), null, '2^53');
  assert.equal(peekId(Uint8Array.from([0x81, ...str('id'), 0xa1, 0x31])), null, 'a string');
  assert.equal(peekId(Uint8Array.from([0x92, 0x01, 0x02])), null, 'not a map');
  assert.equal(peekId(Uint8Array.from([0x82, ...str('x'), 0xc1, ...str('id'), 0x01])), null, 'unreadable before the id');
  assert.equal(peekId(b()), null);
});

test('previews of client values are bounded whatever the value', () => {
  const huge = 'x'.repeat(4 << 20);
  assert.ok(preview(huge).length < 80);
  assert.equal(preview('ab'), '"ab"');
  assert.equal(preview(new Uint8Array(3)), 'Uint8Array(3 bytes)');
  assert.equal(preview(Array(1e5).fill(0)), 'an array of 100000');
  assert.equal(preview({ a: 1 }), 'a map');
  assert.equal(previewList([1, 2]), '[1, 2]');
  assert.ok(previewList(Array(1e5).fill(huge)).length < 400);
  assert.ok(clip(huge).length < 250);
});

test('a map with the same key twice is refused, in any str format and at any depth; equal keys in different maps are not', () => {
  // {op: "step", op: "close", handle: 1}: decoders disagree on which op wins.
  assert.match(scanFrame(b(0x83, ...str('op'), ...str('step'), ...str('op'), ...str('close'), ...str('handle'), 1))!, /same key twice/);
  assert.match(scanFrame(b(0x82, ...str('id'), 1, 0xd9, 2, 0x69, 0x64, 2))!, /same key twice/, 'fixstr and str8');
  assert.match(scanFrame(b(0x81, ...str('a'), 0x91, 0x82, ...str('x'), 1, ...str('x'), 2))!, /same key twice/, 'nested');
  assert.equal(scanFrame(b(0x82, ...str('a'), 0x81, ...str('a'), 1, ...str('b'), 0x81, ...str('a'), 2)), null);
  assert.equal(scanFrame(b(0x82, ...str('ab'), 1, ...str('ba'), 2)), null);
  // Many keys: the sorted path, a repeat far from its first.
  const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
  const many = (ks: string[]) => Uint8Array.from([0xde, ks.length >> 8, ks.length & 255, ...ks.flatMap((k) => [...str(k), 0xc0])]);
  assert.equal(scanFrame(many(keys)), null);
  assert.match(scanFrame(many([...keys, 'k3']))!, /same key twice/);
});
