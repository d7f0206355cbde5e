// The frames of one evaluation episode, kept small enough to record at every evaluation: only
// every stride-th env frame is rendered (the stride chosen from the env's time limit so the
// episode fits in maxFrames), each shrunk by an integer factor (box average) to at most maxSide
// pixels a side and stored as PNG — the protocol's own fast PNG (graphics/frame-encode.ts), the
// encoding the env page gets its frames in. An episode longer than expected still fits: past maxFrames,
// every other frame is dropped and the stride doubles (maxFrames is kept even so the kept frames
// stay evenly spaced). Played back at fps / stride.
import type { Frame } from '../../protocol/env-api.ts';
import { encodeFrame } from '../../graphics/frame-encode.ts';

export interface EpisodeClip {
  width: number;
  height: number;
  /** The env frames between two kept ones (1 = all kept). */
  stride: number;
  /** PNG files, in order. */
  frames: Uint8Array[];
}

/** Averages each factor x factor block of an RGB frame into one pixel. */
function shrink(f: Frame, factor: number): Frame {
  if (factor <= 1) return f;
  const width = Math.floor(f.width / factor);
  const height = Math.floor(f.height / factor);
  const data = new Uint8Array(width * height * 3);
  const n = factor * factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let dy = 0; dy < factor; dy++) {
        let i = ((y * factor + dy) * f.width + x * factor) * 3;
        for (let dx = 0; dx < factor; dx++, i += 3) {
          r += f.data[i];
          g += f.data[i + 1];
          b += f.data[i + 2];
        }
      }
      const o = (y * width + x) * 3;
      data[o] = r / n;
      data[o + 1] = g / n;
      data[o + 2] = b / n;
    }
  }
  return { width, height, data };
}

export class EpisodeFrames {
  private readonly frames: Uint8Array[] = [];
  private stride = 1;
  private seen = 0;
  private size: { width: number; height: number } | null = null;

  private readonly maxFrames: number;

  constructor(
    maxFrames = 120,
    private readonly maxSide = 200,
    /** Frames the episode will have at most (time limit + 1), when known. */
    expected: number | null = null,
  ) {
    this.maxFrames = Math.max(2, 2 * Math.floor(maxFrames / 2));
    if (expected) this.stride = Math.max(1, Math.ceil(expected / this.maxFrames));
  }

  /** Milliseconds spent on kept frames: rendering them (wants() to add()), shrinking, encoding. */
  costMs = 0;
  private asked = 0;

  wants = (): boolean => {
    const yes = this.seen++ % this.stride === 0;
    if (yes) this.asked = performance.now();
    return yes;
  };

  add = (f: Frame): void => {
    const small = shrink(f, Math.ceil(Math.max(f.width, f.height) / this.maxSide));
    this.size ??= { width: small.width, height: small.height };
    this.frames.push(encodeFrame(small, 'png'));
    if (this.frames.length >= this.maxFrames) {
      // Keep frames 0, 2, 4, ...: with the doubled stride they are env frames 0, 2s, 4s, ...
      for (let i = 0; 2 * i < this.frames.length; i++) this.frames[i] = this.frames[2 * i];
      this.frames.length = Math.ceil(this.frames.length / 2);
      this.stride *= 2;
    }
    this.costMs += performance.now() - this.asked;
  };

  clip(): EpisodeClip | null {
    if (!this.size) return null;
    return { ...this.size, stride: this.stride, frames: [...this.frames] };
  }
}
