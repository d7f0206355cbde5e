// Range kwargs as text (the env page's field, the command lines): "low, high" with inf / -inf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRangeText, rangeProblem } from '../../protocol/kwarg-range.ts';

test('parseRangeText reads "low, high" with inf, -inf and Python tuple or list brackets', () => {
  assert.deepEqual(parseRangeText('0.7, inf'), [0.7, Infinity]);
  assert.deepEqual(parseRangeText(' -Infinity ,10 '), [-Infinity, 10]);
  assert.deepEqual(parseRangeText('(-1e-3, 2.5E2)'), [-0.001, 250]);
  assert.deepEqual(parseRangeText('[-INF, +inf]'), [-Infinity, Infinity]);
  assert.deepEqual(parseRangeText('3,3'), [3, 3]);
  for (const bad of ['', '1', '1, 2, 3', '1,', ', 2', 'a, b', '0x10, 20', 'nan, 1', '2, 1', '1 2']) {
    assert.throws(() => parseRangeText(bad), Error, bad);
  }
  assert.throws(() => parseRangeText('2, 1'), /low <= high/);
});

test('rangeProblem names what is wrong', () => {
  assert.equal(rangeProblem([0, Infinity]), null);
  assert.match(rangeProblem([0])!, /pair of numbers, got an array of 1/);
  assert.match(rangeProblem([0, 'x'])!, /got \[0, "x"\]/);
  assert.match(rangeProblem([NaN, 0])!, /NaN/);
  assert.match(rangeProblem([1, 0])!, /low <= high/);
});
