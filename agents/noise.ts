// Exploration noise, added to the actor's tanh output in [-1, 1] (like SB3, which adds noise
// to the scaled action), so σ means the same thing for every action range.
import type { NumpyGenerator } from '../protocol/random.ts';

export type NoiseKind = 'gaussian' | 'ou' | 'none';

export interface NoiseOptions {
  kind: NoiseKind;
  sigma: number;
  /** σ decays linearly from `sigma` to `sigmaFinal` over `sigmaDecaySteps` calls to sample(); 0 = no decay. */
  sigmaFinal?: number;
  sigmaDecaySteps?: number;
  /** Ornstein-Uhlenbeck mean reversion rate and time step. */
  theta?: number;
  dt?: number;
}

export interface NoiseState {
  x: number[];
  t: number;
}

export class ActionNoise {
  readonly opts: Required<NoiseOptions>;
  private x: Float64Array;
  private t = 0;

  constructor(
    readonly dim: number,
    options: NoiseOptions,
  ) {
    this.opts = { sigmaFinal: options.sigma, sigmaDecaySteps: 0, theta: 0.15, dt: 1e-2, ...options };
    this.x = new Float64Array(dim);
  }

  get sigma(): number {
    const { sigma, sigmaFinal, sigmaDecaySteps } = this.opts;
    if (sigmaDecaySteps <= 0) return sigma;
    const frac = Math.min(1, this.t / sigmaDecaySteps);
    return sigma + (sigmaFinal - sigma) * frac;
  }

  sample(rng: NumpyGenerator): Float64Array {
    const sigma = this.sigma;
    const out = new Float64Array(this.dim);
    const { kind, theta, dt } = this.opts;
    for (let i = 0; i < this.dim; i++) {
      if (kind === 'gaussian') out[i] = sigma * rng.normal();
      else if (kind === 'ou') {
        // dx = θ(μ − x)dt + σ√dt·N(0,1), μ = 0
        this.x[i] += -theta * this.x[i] * dt + sigma * Math.sqrt(dt) * rng.normal();
        out[i] = this.x[i];
      }
    }
    this.t++;
    return out;
  }

  /** Called at episode boundaries: OU's correlated state starts again from zero. */
  reset(): void {
    this.x.fill(0);
  }

  getState(): NoiseState {
    return { x: [...this.x], t: this.t };
  }

  setState(s: NoiseState): void {
    this.x = Float64Array.from(s.x);
    this.t = s.t;
  }
}
