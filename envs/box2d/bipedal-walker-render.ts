import type { Frame } from '../../protocol/env-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { BipedalWalker } from './bipedal-walker.ts';
export function renderBipedalWalker(_env: BipedalWalker): Frame {
  throw new GymwireError('unsupported', 'not yet');
}
