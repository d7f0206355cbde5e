// Interquartile mean with a percentile-bootstrap confidence interval over seeds, as rliable reports
// results (Agarwal et al. 2021): IQM = scipy.stats.trim_mean(scores, 0.25), i.e. floor(0.25·n)
// scores are cut from each end of the sorted scores (so n < 4 cuts none and the IQM is the mean).
import { defaultRng } from '../protocol/random.ts';

/** scipy.stats.trim_mean(scores, 0.25): the mean after cutting floor(n/4) scores from each end. */
export function iqm(scores: readonly number[]): number {
  if (scores.length === 0) throw new RangeError('iqm: no scores');
  const sorted = [...scores].sort((a, b) => a - b);
  const cut = Math.floor(0.25 * sorted.length);
  const kept = sorted.slice(cut, sorted.length - cut);
  return kept.reduce((s, x) => s + x, 0) / kept.length;
}

export interface IqmSummary {
  iqm: number;
  /** The 95% percentile bootstrap interval of the IQM (the seeds resampled with replacement). */
  low: number;
  high: number;
  /** The lowest score and the seed that had it. */
  worst: number;
  worstSeed: number;
  n: number;
}

/**
 * IQM, its percentile bootstrap CI (`resamples` resamples of the seeds with replacement, drawn with
 * numpy's default_rng(rngSeed).integers, so the interval is the same on every run) and the worst seed.
 */
export function summarize(seeds: readonly number[], scores: readonly number[], resamples = 2000, rngSeed = 0): IqmSummary {
  if (seeds.length !== scores.length) throw new RangeError('summarize: one score per seed');
  const n = scores.length;
  const rng = defaultRng(rngSeed);
  const stats: number[] = [];
  for (let b = 0; b < resamples; b++) stats.push(iqm(Array.from({ length: n }, () => scores[rng.integers(0, n)])));
  stats.sort((a, b) => a - b);
  let worstAt = 0;
  scores.forEach((s, i) => (s < scores[worstAt] ? (worstAt = i) : undefined));
  return {
    iqm: iqm(scores),
    low: percentile(stats, 2.5),
    high: percentile(stats, 97.5),
    worst: scores[worstAt],
    worstSeed: seeds[worstAt],
    n,
  };
}

/** numpy.percentile's default (linear interpolation between the closest ranks) of sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
