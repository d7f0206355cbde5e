// Draws LunarLander like Gymnasium's render(): 600x400, y up flipped to the image's y down.
import type { Frame } from '../../protocol/env-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import type { LunarLander } from './lunar-lander.ts';

export function renderLunarLander(_env: LunarLander): Frame {
  throw new GymwireError('unsupported', 'LunarLander rendering is not available yet');
}
