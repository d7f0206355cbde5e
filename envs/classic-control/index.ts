// Registers the classic-control envs (Pendulum, MountainCarContinuous, CartPole, MountainCar, Acrobot)
// with Gymnasium 1.4's ids, episode limits, reward thresholds and make() kwargs.
// memoryBytes: `npm run bench:env-memory` measures 1.1-3.4 KiB of heap per instance for each of
// them; 4 KiB covers that plus the allocator's slack and the server's per-env bookkeeping.
import { register } from '../registry.ts';
import { ACROBOT_RESET_BOUNDS, AcrobotEnv } from './acrobot.ts';
import { CARTPOLE_DEFAULTS, CARTPOLE_RESET_BOUNDS, CartPoleEnv } from './cartpole.ts';
import { boundsOptions } from './common.ts';
import {
  MOUNTAIN_CAR_CONTINUOUS_DEFAULTS,
  MOUNTAIN_CAR_CONTINUOUS_RESET_BOUNDS,
  ContinuousMountainCarEnv,
} from './mountain-car-continuous.ts';
import { MOUNTAIN_CAR_DEFAULTS, MOUNTAIN_CAR_RESET_BOUNDS, MountainCarEnv } from './mountain-car.ts';
import { PENDULUM_DEFAULTS, PENDULUM_RESET_DEFAULTS, PendulumEnv } from './pendulum.ts';

export { AcrobotEnv, CartPoleEnv, ContinuousMountainCarEnv, MountainCarEnv, PendulumEnv };

register({
  id: 'CartPole-v1',
  factory: (kw) => new CartPoleEnv({ sutton_barto_reward: kw.sutton_barto_reward as boolean }),
  maxEpisodeSteps: 500,
  rewardThreshold: 475.0,
  memoryBytes: 4 * 1024,
  kwargs: {
    sutton_barto_reward: {
      type: 'boolean',
      default: CARTPOLE_DEFAULTS.sutton_barto_reward,
      description: 'Reward 0 per step and -1 on termination, as in Sutton & Barto, instead of +1 per step.',
    },
  },
  resetOptions: boundsOptions(CARTPOLE_RESET_BOUNDS, 'each of the 4 state variables'),
  renderFps: 50,
});

register({
  id: 'MountainCar-v0',
  factory: (kw) => new MountainCarEnv({ goal_velocity: kw.goal_velocity as number }),
  maxEpisodeSteps: 200,
  rewardThreshold: -110.0,
  memoryBytes: 4 * 1024,
  kwargs: {
    goal_velocity: {
      type: 'number',
      default: MOUNTAIN_CAR_DEFAULTS.goal_velocity,
      description: 'Minimum velocity the car must have at the flag for the episode to terminate.',
    },
  },
  resetOptions: boundsOptions(MOUNTAIN_CAR_RESET_BOUNDS, 'the initial position'),
  renderFps: 30,
});

register({
  id: 'MountainCarContinuous-v0',
  factory: (kw) => new ContinuousMountainCarEnv({ goal_velocity: kw.goal_velocity as number }),
  maxEpisodeSteps: 999,
  rewardThreshold: 90.0,
  memoryBytes: 4 * 1024,
  kwargs: {
    goal_velocity: {
      type: 'number',
      default: MOUNTAIN_CAR_CONTINUOUS_DEFAULTS.goal_velocity,
      description: 'Minimum velocity the car must have at the flag for the episode to terminate.',
    },
  },
  resetOptions: boundsOptions(MOUNTAIN_CAR_CONTINUOUS_RESET_BOUNDS, 'the initial position'),
  renderFps: 30,
});

register({
  id: 'Pendulum-v1',
  factory: (kw) => new PendulumEnv({ g: kw.g as number }),
  maxEpisodeSteps: 200,
  rewardThreshold: null,
  memoryBytes: 4 * 1024,
  kwargs: {
    g: { type: 'number', default: PENDULUM_DEFAULTS.g, description: 'Acceleration of gravity (m/s^2) in the pendulum dynamics.' },
  },
  resetOptions: {
    x_init: { type: 'number', default: PENDULUM_RESET_DEFAULTS.x_init, description: 'The initial angle is drawn from [-x_init, x_init].' },
    y_init: {
      type: 'number',
      default: PENDULUM_RESET_DEFAULTS.y_init,
      description: 'The initial angular velocity is drawn from [-y_init, y_init].',
    },
  },
  renderFps: 30,
});

register({
  id: 'Acrobot-v1',
  // Gymnasium's AcrobotEnv takes only render_mode; book_or_nips is an attribute of the env.
  factory: () => new AcrobotEnv(),
  maxEpisodeSteps: 500,
  rewardThreshold: -100.0,
  memoryBytes: 4 * 1024,
  kwargs: {},
  resetOptions: boundsOptions(ACROBOT_RESET_BOUNDS, 'each of the 4 state variables'),
  renderFps: 15,
});
