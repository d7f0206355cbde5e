// Loads the reference trajectories recorded from Gymnasium 1.4.0 (test/fixtures/gymnasium/: where
// they came from and how scripts/record-gymnasium.py re-makes them is in its README).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/gymnasium/', import.meta.url));

/** The path of `envId`'s recording for `seed`; a missing recording is an error, never a skip. */
export function goldenPath(envId: string, seed: number): string {
  const path = `${GOLDEN_DIR}${envId}.seed${seed}.json`;
  if (!existsSync(path)) throw new Error(`missing Gymnasium recording ${path} (Gymnasium's recordings, in the repository)`);
  return path;
}

/** A bound as written in the files: a number, or the strings "inf" / "-inf". */
export type GoldenBound = number | 'inf' | '-inf';

export type GoldenSpace =
  { type: 'Box'; shape: number[]; dtype: string; low: GoldenBound[]; high: GoldenBound[] } | { type: 'Discrete'; n: number; start: number };

export interface GoldenStep {
  action: number | number[];
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

export interface Golden {
  gymnasium_version: string;
  env_id: string;
  seed: number;
  max_episode_steps: number | null;
  observation_space: GoldenSpace;
  action_space: GoldenSpace;
  reset_obs: number[];
  steps: GoldenStep[];
  second_reset_obs: number[];
}

/** Every golden file as {envId, seed, file}, sorted by name. */
export function goldenFiles(): Array<{ envId: string; seed: number; file: string }> {
  const out: Array<{ envId: string; seed: number; file: string }> = [];
  if (!existsSync(GOLDEN_DIR)) throw new Error(`missing ${GOLDEN_DIR} (Gymnasium's recordings, in the repository)`);
  for (const file of readdirSync(GOLDEN_DIR).sort()) {
    const m = /^(.+)\.seed(\d+)\.json$/.exec(file);
    if (m) out.push({ envId: m[1], seed: Number(m[2]), file });
  }
  return out;
}

/** The recorded trajectory of `envId` reset with `seed`. */
export function loadGolden(envId: string, seed: number): Golden {
  return JSON.parse(readFileSync(goldenPath(envId, seed), 'utf8')) as Golden;
}

/** A golden bound as a number. */
export function bound(b: GoldenBound): number {
  return b === 'inf' ? Infinity : b === '-inf' ? -Infinity : b;
}

/** Checks a space from the wire (or an env) against the recorded one. */
export function assertSpace(got: unknown, want: GoldenSpace, what: string): void {
  const g = got as Record<string, unknown>;
  assert.equal(g.type, want.type, `${what} type`);
  if (want.type === 'Box') {
    assert.deepEqual(g.shape, want.shape, `${what} shape`);
    assert.equal(g.dtype, want.dtype, `${what} dtype`);
    assert.deepEqual(g.low, want.low.map(bound), `${what} low`);
    assert.deepEqual(g.high, want.high.map(bound), `${what} high`);
  } else {
    assert.equal(g.n, want.n, `${what} n`);
    assert.equal(g.start, want.start, `${what} start`);
  }
}
