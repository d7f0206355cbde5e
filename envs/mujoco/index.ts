// Registers the MuJoCo envs, as gymnasium/envs/__init__.py does (ids, max_episode_steps,
// reward_threshold), each with the kwargs of its Gymnasium v5 constructor that are neither a
// file path (xml_file names a shipped model instead) nor a renderer setting. They are lazy:
// this module imports none of MuJoCo; make() needs `await loadEnv(id)` first (the server
// does it), and list_envs describes them by the spaces declared here, checked against make()
// by the tests of test/envs/mujoco-*.test.ts (assertSpaces).
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
import type { Range } from './mujoco-env.ts';
import type { HumanoidObservationOptions } from './humanoid-observation.ts';
import { InvertedPendulumEnv, INVERTED_PENDULUM_DEFAULTS } from './inverted-pendulum.ts';
import { InvertedDoublePendulumEnv, INVERTED_DOUBLE_PENDULUM_DEFAULTS } from './inverted-double-pendulum.ts';
import { HalfCheetahEnv, HALF_CHEETAH_DEFAULTS } from './half-cheetah.ts';
import { SwimmerEnv, SWIMMER_DEFAULTS } from './swimmer.ts';
import { ReacherEnv, REACHER_DEFAULTS } from './reacher.ts';
import { PusherEnv, PUSHER_DEFAULTS } from './pusher.ts';
import { HopperEnv, HOPPER_DEFAULTS } from './hopper.ts';
import { Walker2dEnv, WALKER2D_DEFAULTS } from './walker2d.ts';
import { AntEnv, ANT_DEFAULTS } from './ant.ts';
import { HumanoidEnv, HUMANOID_DEFAULTS } from './humanoid.ts';
import { HumanoidStandupEnv, HUMANOID_STANDUP_DEFAULTS } from './humanoid-standup.ts';

export { loadMujoco, mujocoLoaded } from './runtime.ts';
export {
  InvertedPendulumEnv,
  InvertedDoublePendulumEnv,
  HalfCheetahEnv,
  SwimmerEnv,
  ReacherEnv,
  PusherEnv,
  HopperEnv,
  Walker2dEnv,
  AntEnv,
  HumanoidEnv,
  HumanoidStandupEnv,
};

const lazy = { load: loadMujoco, loaded: mujocoLoaded };

function xmlFile(def: string): KwargSpec {
  return { type: 'string', default: def, description: `The model file, one of the shipped ones: ${SHIPPED_MODELS.join(', ')}.` };
}

function frameSkip(def: number): KwargSpec {
  return { type: 'integer', default: def, description: 'MuJoCo steps per env step (dt = timestep * frame_skip).' };
}

// These models leave their arena size to MuJoCo's default, which is larger.
const SWIMMER_MEMORY = 18432 * 1024;
const REACHER_MEMORY = 18432 * 1024;
const PUSHER_MEMORY = 18944 * 1024;
const HOPPER_MEMORY = 18688 * 1024;
const WALKER2D_MEMORY = 18432 * 1024;
const ANT_MEMORY = 19712 * 1024;
const HUMANOID_MEMORY = 19712 * 1024;
const HUMANOID_STANDUP_MEMORY = 19712 * 1024;

function num(def: number, description: string): KwargSpec {
  return { type: 'number', default: def, description };
}

function flag(def: boolean, description: string): KwargSpec {
  return { type: 'boolean', default: def, description };
}

function range(def: Range, description: string): KwargSpec {
  return { type: 'range', default: [def[0], def[1]], description: `${description} [low, high]; ±Infinity allowed.` };
}

const NOISE_UNIFORM = 'Half-width of the uniform noise added to qpos0 and qvel0 at reset.';
const NOISE_MIXED = 'Reset noise: uniform half-width on qpos0, standard deviation of the normal noise on qvel0.';
const EXCLUDE_X = 'Leave the root x position out of the observation.';
const EXCLUDE_XY = 'Leave the root x and y positions out of the observation.';
const FORWARD = 'Weight of the forward speed in the reward.';
const CTRL = 'Weight of the summed squared action.';
const TERMINATE = 'End the episode when the body leaves its healthy ranges (off: it goes on, without the healthy reward).';

/** The kwargs Hopper-v5 and Walker2d-v5 share. */
function planarWalkerKwargs(d: typeof WALKER2D_DEFAULTS): Record<string, KwargSpec> {
  return {
    xml_file: xmlFile(d.xml_file),
    frame_skip: frameSkip(d.frame_skip),
    forward_reward_weight: num(d.forward_reward_weight, FORWARD),
    ctrl_cost_weight: num(d.ctrl_cost_weight, CTRL),
    healthy_reward: num(d.healthy_reward, 'Reward for every healthy step.'),
    terminate_when_unhealthy: flag(d.terminate_when_unhealthy, TERMINATE),
  };
}

/** The kwargs choosing Humanoid-v5's and HumanoidStandup-v5's observation parts. */
function humanoidObservationKwargs(d: HumanoidObservationOptions): Record<string, KwargSpec> {
  return {
    exclude_current_positions_from_observation: flag(d.exclude_current_positions_from_observation, EXCLUDE_XY),
    include_cinert_in_observation: flag(d.include_cinert_in_observation, "Put the bodies' inertias (cinert) in the observation."),
    include_cvel_in_observation: flag(d.include_cvel_in_observation, "Put the bodies' com-based velocities (cvel) in the observation."),
    include_qfrc_actuator_in_observation: flag(
      d.include_qfrc_actuator_in_observation,
      'Put the actuator forces (qfrc_actuator) in the observation.',
    ),
    include_cfrc_ext_in_observation: flag(
      d.include_cfrc_ext_in_observation,
      'Put the external contact forces (cfrc_ext) in the observation.',
    ),
  };
}

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
  {
    id: 'Hopper-v5',
    factory: (kwargs) => new HopperEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: 3800.0,
    kwargs: {
      ...planarWalkerKwargs(HOPPER_DEFAULTS),
      healthy_state_range: range(
        HOPPER_DEFAULTS.healthy_state_range,
        'Open range every state entry but the root x and z (qpos[2:], qvel) must lie in to be healthy:',
      ),
      healthy_z_range: range(HOPPER_DEFAULTS.healthy_z_range, 'Open range of the torso height (qpos[1]) that is healthy:'),
      healthy_angle_range: range(HOPPER_DEFAULTS.healthy_angle_range, 'Open range of the torso angle (qpos[2]) that is healthy:'),
      reset_noise_scale: num(HOPPER_DEFAULTS.reset_noise_scale, NOISE_UNIFORM),
      exclude_current_positions_from_observation: flag(HOPPER_DEFAULTS.exclude_current_positions_from_observation, EXCLUDE_X),
    },
    spaces: spaces(11, 3),
    memoryBytes: HOPPER_MEMORY,
    renderFps: 125,
  },
  {
    id: 'Walker2d-v5',
    factory: (kwargs) => new Walker2dEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: null,
    kwargs: {
      ...planarWalkerKwargs(WALKER2D_DEFAULTS),
      healthy_z_range: range(WALKER2D_DEFAULTS.healthy_z_range, 'Open range of the torso height (qpos[1]) that is healthy:'),
      healthy_angle_range: range(WALKER2D_DEFAULTS.healthy_angle_range, 'Open range of the torso angle (qpos[2]) that is healthy:'),
      reset_noise_scale: num(WALKER2D_DEFAULTS.reset_noise_scale, NOISE_UNIFORM),
      exclude_current_positions_from_observation: flag(WALKER2D_DEFAULTS.exclude_current_positions_from_observation, EXCLUDE_X),
    },
    spaces: spaces(17, 6),
    memoryBytes: WALKER2D_MEMORY,
    renderFps: 125,
  },
  {
    id: 'Ant-v5',
    factory: (kwargs) => new AntEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: 6000.0,
    kwargs: {
      xml_file: xmlFile(ANT_DEFAULTS.xml_file),
      frame_skip: frameSkip(ANT_DEFAULTS.frame_skip),
      forward_reward_weight: num(ANT_DEFAULTS.forward_reward_weight, FORWARD),
      ctrl_cost_weight: num(ANT_DEFAULTS.ctrl_cost_weight, CTRL),
      contact_cost_weight: num(ANT_DEFAULTS.contact_cost_weight, 'Weight of the summed squared clipped contact forces.'),
      healthy_reward: num(ANT_DEFAULTS.healthy_reward, 'Reward for every healthy step.'),
      // Gymnasium also takes a body name here; over the wire a kwarg has one type, so an index.
      main_body: {
        type: 'integer',
        default: ANT_DEFAULTS.main_body as number,
        description: 'Index of the body whose x-y speed is the forward reward (Gymnasium also takes its name; here, the index).',
      },
      terminate_when_unhealthy: flag(ANT_DEFAULTS.terminate_when_unhealthy, TERMINATE),
      healthy_z_range: range(
        ANT_DEFAULTS.healthy_z_range,
        'Closed range of the torso height (qpos[2]) that is healthy (the state finite too):',
      ),
      contact_force_range: range(
        ANT_DEFAULTS.contact_force_range,
        'The contact forces (cfrc_ext) are clipped to this range, in the observation and the cost:',
      ),
      reset_noise_scale: num(ANT_DEFAULTS.reset_noise_scale, NOISE_MIXED),
      exclude_current_positions_from_observation: flag(ANT_DEFAULTS.exclude_current_positions_from_observation, EXCLUDE_XY),
      include_cfrc_ext_in_observation: flag(
        ANT_DEFAULTS.include_cfrc_ext_in_observation,
        'Put the clipped contact forces in the observation.',
      ),
    },
    spaces: spaces(105, 8),
    memoryBytes: ANT_MEMORY,
    renderFps: 20,
  },
  {
    id: 'Humanoid-v5',
    factory: (kwargs) => new HumanoidEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: null,
    kwargs: {
      xml_file: xmlFile(HUMANOID_DEFAULTS.xml_file),
      frame_skip: frameSkip(HUMANOID_DEFAULTS.frame_skip),
      forward_reward_weight: num(HUMANOID_DEFAULTS.forward_reward_weight, "Weight of the mass centre's forward speed in the reward."),
      ctrl_cost_weight: num(HUMANOID_DEFAULTS.ctrl_cost_weight, CTRL),
      contact_cost_weight: num(HUMANOID_DEFAULTS.contact_cost_weight, 'Weight of the summed squared external contact forces.'),
      contact_cost_range: range(HUMANOID_DEFAULTS.contact_cost_range, 'The weighted contact cost is clipped to this range:'),
      healthy_reward: num(HUMANOID_DEFAULTS.healthy_reward, 'Reward for every healthy step.'),
      terminate_when_unhealthy: flag(HUMANOID_DEFAULTS.terminate_when_unhealthy, TERMINATE),
      healthy_z_range: range(HUMANOID_DEFAULTS.healthy_z_range, 'Open range of the torso height (qpos[2]) that is healthy:'),
      reset_noise_scale: num(HUMANOID_DEFAULTS.reset_noise_scale, NOISE_UNIFORM),
      ...humanoidObservationKwargs(HUMANOID_DEFAULTS),
    },
    spaces: spaces(348, 17, 0.4),
    memoryBytes: HUMANOID_MEMORY,
    renderFps: 67,
  },
  {
    id: 'HumanoidStandup-v5',
    factory: (kwargs) => new HumanoidStandupEnv(kwargs as Partial<never>),
    maxEpisodeSteps: 1000,
    rewardThreshold: null,
    kwargs: {
      xml_file: xmlFile(HUMANOID_STANDUP_DEFAULTS.xml_file),
      frame_skip: frameSkip(HUMANOID_STANDUP_DEFAULTS.frame_skip),
      uph_cost_weight: num(HUMANOID_STANDUP_DEFAULTS.uph_cost_weight, "Weight of the torso's upward speed in the reward."),
      ctrl_cost_weight: num(HUMANOID_STANDUP_DEFAULTS.ctrl_cost_weight, CTRL),
      impact_cost_weight: num(HUMANOID_STANDUP_DEFAULTS.impact_cost_weight, 'Weight of the summed squared external contact forces.'),
      impact_cost_range: range(HUMANOID_STANDUP_DEFAULTS.impact_cost_range, 'The weighted impact cost is clipped to this range:'),
      reset_noise_scale: num(HUMANOID_STANDUP_DEFAULTS.reset_noise_scale, NOISE_UNIFORM),
      ...humanoidObservationKwargs(HUMANOID_STANDUP_DEFAULTS),
    },
    spaces: spaces(348, 17, 0.4),
    memoryBytes: HUMANOID_STANDUP_MEMORY,
    renderFps: 67,
  },
];

// Gymnasium's metadata: rgb_array frames (graphics/renderer3d.ts draws MuJoCo's scene), render_fps = round(1 / dt).
for (const r of MUJOCO_ENVS) register({ ...r, lazy, renderModes: ['rgb_array'] });
