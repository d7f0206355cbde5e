// Registers the MuJoCo envs, as gymnasium/envs/__init__.py does (ids, max_episode_steps,
// reward_threshold), each with the kwargs of its Gymnasium v5 constructor that are neither a
// file path (xml_file names a shipped model instead) nor a renderer setting. They are lazy:
// this module imports none of MuJoCo; make() needs `await loadEnv(id)` first (the server
// does it), and list_envs describes them by the spaces declared here, checked against make()
// by test/envs/mujoco-registry.test.ts.
// memoryBytes: what `npm run bench:env-memory` measures per instance, plus ~25% slack. Nearly
// all of it is the MjData's arena in MuJoCo's WebAssembly memory (MuJoCo sizes it from the
// model; the OS backs only the pages it touches, so RSS grows far less), which is one 2 GiB
// space per process: a few hundred MuJoCo envs fit in one (limit_exceeded beyond).
import type { KwargSpec } from '../../protocol/schema/env-spec.ts';
import type { Env } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box } from '../../protocol/spaces.ts';
import { register, type Kwargs } from '../registry.ts';
import { loadMujoco, mujocoLoaded, SHIPPED_MODELS } from './runtime.ts';
import { InvertedPendulumEnv, INVERTED_PENDULUM_DEFAULTS } from './inverted-pendulum.ts';
import { InvertedDoublePendulumEnv, INVERTED_DOUBLE_PENDULUM_DEFAULTS } from './inverted-double-pendulum.ts';
import { HalfCheetahEnv, HALF_CHEETAH_DEFAULTS } from './half-cheetah.ts';
import { SwimmerEnv, SWIMMER_DEFAULTS } from './swimmer.ts';
import { ReacherEnv, REACHER_DEFAULTS } from './reacher.ts';
import { PusherEnv, PUSHER_DEFAULTS } from './pusher.ts';

export { loadMujoco, mujocoLoaded } from './runtime.ts';
export { InvertedPendulumEnv, InvertedDoublePendulumEnv, HalfCheetahEnv, SwimmerEnv, ReacherEnv, PusherEnv };

const lazy = { load: loadMujoco, loaded: mujocoLoaded };

function xmlFile(def: string): KwargSpec {
  return { type: 'string', default: def, description: `The model file, one of the shipped ones: ${SHIPPED_MODELS.join(', ')}.` };
}

function frameSkip(def: number): KwargSpec {
  return { type: 'integer', default: def, description: 'MuJoCo steps per env step (dt = timestep * frame_skip).' };
}

// These three models leave their arena size to MuJoCo's default, which is larger.
const SWIMMER_MEMORY = 18432 * 1024;
const REACHER_MEMORY = 18432 * 1024;
const PUSHER_MEMORY = 18944 * 1024;

const NOISE_UNIFORM = 'Half-width of the uniform noise added to qpos0 and qvel0 at reset.';
const NOISE_MIXED = 'Reset noise: uniform half-width on qpos0, standard deviation of the normal noise on qvel0.';
const EXCLUDE_X = 'Leave the root x position out of the observation.';

/** An unbounded float64 observation Box and a [-1, 1] float32 action Box (most MuJoCo actuators). */
function spaces(obs: number, actions: number, limit = 1): { observation: Space; action: Space } {
  return { observation: box(-Infinity, Infinity, [obs], 'float64'), action: box(-limit, limit, [actions], 'float32') };
}

interface MujocoRegistration {
  id: string;
  factory: (kwargs: Kwargs) => Env;
  maxEpisodeSteps: number;
  rewardThreshold: number | null;
  kwargs: Record<string, KwargSpec>;
  spaces: { observation: Space; action: Space };
  memoryBytes: number;
  renderFps: number;
}

const MUJOCO_ENVS: MujocoRegistration[] = [
  {
    id: 'InvertedPendulum-v5',
    factory: (kwargs) => new InvertedPendulumEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: 950.0,
    kwargs: {
      xml_file: xmlFile(INVERTED_PENDULUM_DEFAULTS.xml_file),
      frame_skip: frameSkip(INVERTED_PENDULUM_DEFAULTS.frame_skip),
      reset_noise_scale: { type: 'number', default: INVERTED_PENDULUM_DEFAULTS.reset_noise_scale, description: NOISE_UNIFORM },
    },
    spaces: spaces(4, 1, 3),
    memoryBytes: 5632 * 1024,
    renderFps: 25,
  },
  {
    id: 'InvertedDoublePendulum-v5',
    factory: (kwargs) => new InvertedDoublePendulumEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: 9100.0,
    kwargs: {
      xml_file: xmlFile(INVERTED_DOUBLE_PENDULUM_DEFAULTS.xml_file),
      frame_skip: frameSkip(INVERTED_DOUBLE_PENDULUM_DEFAULTS.frame_skip),
      healthy_reward: {
        type: 'number',
        default: INVERTED_DOUBLE_PENDULUM_DEFAULTS.healthy_reward,
        description: 'Reward for every step the tip stays above y = 1.',
      },
      reset_noise_scale: { type: 'number', default: INVERTED_DOUBLE_PENDULUM_DEFAULTS.reset_noise_scale, description: NOISE_MIXED },
    },
    spaces: spaces(9, 1),
    memoryBytes: 5632 * 1024,
    renderFps: 20,
  },
  {
    id: 'HalfCheetah-v5',
    factory: (kwargs) => new HalfCheetahEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: 4800.0,
    kwargs: {
      xml_file: xmlFile(HALF_CHEETAH_DEFAULTS.xml_file),
      frame_skip: frameSkip(HALF_CHEETAH_DEFAULTS.frame_skip),
      forward_reward_weight: {
        type: 'number',
        default: HALF_CHEETAH_DEFAULTS.forward_reward_weight,
        description: 'Weight of the forward speed in the reward.',
      },
      ctrl_cost_weight: {
        type: 'number',
        default: HALF_CHEETAH_DEFAULTS.ctrl_cost_weight,
        description: 'Weight of the summed squared action.',
      },
      reset_noise_scale: { type: 'number', default: HALF_CHEETAH_DEFAULTS.reset_noise_scale, description: NOISE_MIXED },
      exclude_current_positions_from_observation: {
        type: 'boolean',
        default: HALF_CHEETAH_DEFAULTS.exclude_current_positions_from_observation,
        description: EXCLUDE_X,
      },
    },
    spaces: spaces(17, 6),
    memoryBytes: 8704 * 1024,
    renderFps: 20,
  },
  {
    id: 'Swimmer-v5',
    factory: (kwargs) => new SwimmerEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: 360.0,
    kwargs: {
      xml_file: xmlFile(SWIMMER_DEFAULTS.xml_file),
      frame_skip: frameSkip(SWIMMER_DEFAULTS.frame_skip),
      forward_reward_weight: {
        type: 'number',
        default: SWIMMER_DEFAULTS.forward_reward_weight,
        description: 'Weight of the speed along x in the reward.',
      },
      ctrl_cost_weight: { type: 'number', default: SWIMMER_DEFAULTS.ctrl_cost_weight, description: 'Weight of the summed squared action.' },
      reset_noise_scale: { type: 'number', default: SWIMMER_DEFAULTS.reset_noise_scale, description: NOISE_UNIFORM },
      exclude_current_positions_from_observation: {
        type: 'boolean',
        default: SWIMMER_DEFAULTS.exclude_current_positions_from_observation,
        description: 'Leave the root x and y positions out of the observation.',
      },
    },
    spaces: spaces(8, 2),
    memoryBytes: SWIMMER_MEMORY,
    renderFps: 25,
  },
  {
    id: 'Reacher-v5',
    factory: (kwargs) => new ReacherEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 50,
    rewardThreshold: -3.75,
    kwargs: {
      xml_file: xmlFile(REACHER_DEFAULTS.xml_file),
      frame_skip: frameSkip(REACHER_DEFAULTS.frame_skip),
      reward_dist_weight: {
        type: 'number',
        default: REACHER_DEFAULTS.reward_dist_weight,
        description: 'Weight of the fingertip-to-target distance.',
      },
      reward_control_weight: {
        type: 'number',
        default: REACHER_DEFAULTS.reward_control_weight,
        description: 'Weight of the summed squared action.',
      },
    },
    spaces: spaces(10, 2),
    memoryBytes: REACHER_MEMORY,
    renderFps: 50,
  },
  {
    id: 'Pusher-v5',
    factory: (kwargs) => new PusherEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 100,
    rewardThreshold: 0.0,
    kwargs: {
      xml_file: xmlFile(PUSHER_DEFAULTS.xml_file),
      frame_skip: frameSkip(PUSHER_DEFAULTS.frame_skip),
      reward_near_weight: {
        type: 'number',
        default: PUSHER_DEFAULTS.reward_near_weight,
        description: 'Weight of the tip-to-object distance.',
      },
      reward_dist_weight: {
        type: 'number',
        default: PUSHER_DEFAULTS.reward_dist_weight,
        description: 'Weight of the object-to-goal distance.',
      },
      reward_control_weight: {
        type: 'number',
        default: PUSHER_DEFAULTS.reward_control_weight,
        description: 'Weight of the summed squared action.',
      },
    },
    spaces: spaces(23, 7, 2),
    memoryBytes: PUSHER_MEMORY,
    renderFps: 20,
  },
];

// Gymnasium's metadata: rgb_array frames (graphics/renderer3d.ts draws MuJoCo's scene), render_fps = round(1 / dt).
for (const r of MUJOCO_ENVS) register({ ...r, lazy, renderModes: ['rgb_array'] });
