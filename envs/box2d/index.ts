// Registers the Box2D envs (LunarLander, BipedalWalker), as gymnasium/envs/__init__.py does.
// memoryBytes: the heap one instance holds once reset and stepped, as `npm run bench:env-memory`
// measures it (node 20), plus ~25% for the allocator's slack: LunarLander ~50-55 KiB (its world,
// terrain and particles), BipedalWalker ~890 KiB and BipedalWalkerHardcore ~1015 KiB (the
// terrain's hundreds of static bodies and fixtures, built at reset).
import type { KwargSpec } from '../../protocol/schema/env-spec.ts';
import { register } from '../registry.ts';
import { BipedalWalker, FPS as BIPEDAL_WALKER_FPS } from './bipedal-walker.ts';
import { FPS as LUNAR_LANDER_FPS, LunarLander, LUNAR_LANDER_DEFAULTS, type LunarLanderOptions } from './lunar-lander.ts';

function lunarLanderKwargs(continuous: boolean): Record<string, KwargSpec> {
  const d = LUNAR_LANDER_DEFAULTS;
  return {
    continuous: { type: 'boolean', default: continuous, description: 'Box(-1, 1, (2,)) throttles instead of Discrete(4) engines.' },
    gravity: { type: 'number', default: d.gravity, description: 'Gravitational acceleration, strictly between -12 and 0.' },
    enable_wind: { type: 'boolean', default: d.enable_wind, description: 'Apply wind and turbulence while no leg touches the ground.' },
    wind_power: { type: 'number', default: d.wind_power, description: 'Maximum linear wind force (recommended 0..20).' },
    turbulence_power: { type: 'number', default: d.turbulence_power, description: 'Maximum rotational wind torque (recommended 0..2).' },
  };
}

for (const [id, continuous] of [
  ['LunarLander-v3', false],
  ['LunarLanderContinuous-v3', true],
] as const) {
  register({
    id,
    factory: (kwargs) => new LunarLander(kwargs as Partial<LunarLanderOptions>),
    maxEpisodeSteps: 1000,
    rewardThreshold: 200,
    memoryBytes: 64 * 1024,
    kwargs: lunarLanderKwargs(continuous),
    renderFps: LUNAR_LANDER_FPS,
  });
}

const BIPEDAL_WALKERS = [
  ['BipedalWalker-v3', false, 1600, 1152 * 1024],
  ['BipedalWalkerHardcore-v3', true, 2000, 1280 * 1024],
] as const;
for (const [id, hardcore, maxEpisodeSteps, memoryBytes] of BIPEDAL_WALKERS) {
  register({
    id,
    factory: (kwargs) => new BipedalWalker({ hardcore: kwargs.hardcore as boolean }),
    maxEpisodeSteps,
    rewardThreshold: 300,
    memoryBytes,
    kwargs: {
      hardcore: { type: 'boolean', default: hardcore, description: 'Terrain with stumps, stairs and pits instead of gentle grass.' },
    },
    renderFps: BIPEDAL_WALKER_FPS,
  });
}
