// The base of the MuJoCo envs, after Gymnasium 1.4's mujoco_env.py (MujocoEnv): one MjModel
// and MjData per env, loaded from a shipped model file; `frame_skip` physics steps per env step
// (dt = timestep * frame_skip) followed by mj_rnePostConstraint, so cfrc_ext and the other
// rne quantities are current; reset to the model's qpos0/qvel0 plus noise from the env's
// numpy-exact generator, drawn by each env's resetModel() in Gymnasium's order and sizes.
// The physics is all MuJoCo's: nothing here integrates or collides.
//
// The views MuJoCo hands out (data.qpos, ...) are read afresh on every use: they are views of
// the module's memory, which another env's allocation may grow and so detach them.
import type { Frame, ResetArgs, ResetResult, Info } from '../../protocol/env-api.ts';
import type { Space } from '../../protocol/schema/spaces.ts';
import { box } from '../../protocol/spaces.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { BaseEnv } from '../base-env.ts';
import { readBoxAction, type BoxAction } from '../actions.ts';
import { Renderer3D } from '../../graphics/renderer3d.ts';
import { MujocoSceneView } from './scene-view.ts';
import { DEFAULT_CAMERAS } from './render-cameras.ts';
import {
  isShippedModel,
  loadModel,
  mujoco,
  SHIPPED_MODELS,
  type MainModule,
  type MjData,
  type MjModel,
  type ShippedModel,
} from './runtime.ts';

export interface MujocoEnvConfig {
  /** The registered id, for error messages. */
  envName: string;
  /** A shipped model file (envs/mujoco/assets/). */
  xmlFile: string;
  /** Physics steps per env step. */
  frameSkip: number;
}

/** Gymnasium's DEFAULT_SIZE for MuJoCo frames. */
export const RENDER_WIDTH = 480;
export const RENDER_HEIGHT = 480;

/** An unbounded float64 Box of `size` numbers, the observation space of every MuJoCo env. */
export function observationBox(size: number): Space {
  return box(-Infinity, Infinity, [size], 'float64');
}

export abstract class MujocoEnv extends BaseEnv<Float64Array, BoxAction> {
  /** close() deletes the MjModel and MjData: MuJoCo's allocator reuses their memory at once. */
  readonly freesMemoryOnClose = true;
  readonly envName: string;
  readonly frameSkip: number;
  /** The model's physics timestep (s). */
  readonly timestep: number;
  /** Seconds of simulated time per env step: the model's timestep times frame_skip. */
  readonly dt: number;
  readonly actionSpace: Space;
  /** The model's qpos0 and qvel (zero) at load: what reset() adds noise to. */
  readonly initQpos: Float64Array;
  readonly initQvel: Float64Array;

  protected readonly mj: MainModule;
  private liveModel: MjModel | null;
  private liveData: MjData | null;
  private readonly ctrl: Float64Array;
  private view: MujocoSceneView | null = null;
  private renderer: Renderer3D | null = null;

  constructor(config: MujocoEnvConfig) {
    super();
    this.envName = config.envName;
    if (!isShippedModel(config.xmlFile)) {
      throw new GymwireError(
        'invalid_kwargs',
        `${config.envName}: xml_file must name a shipped model (${SHIPPED_MODELS.join(', ')}), not a path or XML`,
      );
    }
    if (!(Number.isInteger(config.frameSkip) && config.frameSkip >= 1)) {
      throw new GymwireError('invalid_kwargs', `${config.envName}: frame_skip must be a positive integer, got ${config.frameSkip}`);
    }
    this.mj = mujoco(config.envName);
    this.frameSkip = config.frameSkip;
    [this.liveModel, this.liveData] = buildSimulation(this.mj, config.envName, config.xmlFile);
    const opt = this.liveModel.opt;
    this.timestep = opt.timestep;
    this.dt = opt.timestep * this.frameSkip;
    opt.delete();
    this.initQpos = Float64Array.from(this.liveData.qpos as Float64Array);
    this.initQvel = Float64Array.from(this.liveData.qvel as Float64Array);
    this.actionSpace = this.ctrlRangeBox();
    this.ctrl = new Float64Array(this.liveModel.nu);
  }

  /** Gymnasium's _set_action_space: Box(ctrlrange low, high) in float32. */
  private ctrlRangeBox(): Space {
    const nu = this.model.nu;
    const range = this.model.actuator_ctrlrange as Float64Array;
    const low = new Float64Array(nu);
    const high = new Float64Array(nu);
    for (let i = 0; i < nu; i++) {
      low[i] = range[2 * i];
      high[i] = range[2 * i + 1];
    }
    return box(low, high, [nu], 'float32');
  }

  /** The live MjModel (to read; the env owns it and frees it at close). */
  get model(): MjModel {
    if (this.liveModel === null) throw new GymwireError('bad_request', `${this.envName}: the env is closed`);
    return this.liveModel;
  }

  /** The live MjData (to read; the env owns it and frees it at close). */
  get data(): MjData {
    if (this.liveData === null) throw new GymwireError('bad_request', `${this.envName}: the env is closed`);
    return this.liveData;
  }

  get nq(): number {
    return this.model.nq;
  }

  get nv(): number {
    return this.model.nv;
  }

  /** data.qpos, read now (a view of MuJoCo's memory: read it, do not keep it). */
  protected get qpos(): Float64Array {
    return this.data.qpos as Float64Array;
  }

  protected get qvel(): Float64Array {
    return this.data.qvel as Float64Array;
  }

  /** Gymnasium's reset: seed, mj_resetData, the env's reset_model(), then its reset info. */
  reset(args?: ResetArgs): ResetResult<Float64Array> {
    this.seed(args);
    this.mj.mj_resetData(this.model, this.data);
    const obs = this.resetModel();
    return { obs, info: this.resetInfo() };
  }

  /** Draws the reset noise and calls setState(); returns the observation. */
  protected abstract resetModel(): Float64Array;

  /** Gymnasium's _get_reset_info (default: none). */
  protected resetInfo(): Info {
    return {};
  }

  /** Gymnasium's set_state: qpos and qvel in, then mj_forward. */
  protected setState(qpos: ArrayLike<number>, qvel: ArrayLike<number>): void {
    this.qpos.set(qpos);
    this.qvel.set(qvel);
    this.mj.mj_forward(this.model, this.data);
  }

  /** `qpos0 + noise` and `qvel0 + noise`, set as the state. */
  protected setStateWithNoise(qposNoise: ArrayLike<number>, qvelNoise: ArrayLike<number>): void {
    const qpos = Float64Array.from(this.initQpos, (q, i) => q + qposNoise[i]);
    const qvel = Float64Array.from(this.initQvel, (v, i) => v + qvelNoise[i]);
    this.setState(qpos, qvel);
  }

  /**
   * Gymnasium's do_simulation: the action as ctrl (MuJoCo clamps it to ctrlrange), frame_skip
   * mj_steps, then mj_rnePostConstraint. Returns the action as read, for the control cost.
   */
  protected doSimulation(action: BoxAction): Float64Array {
    const model = this.model;
    const data = this.data;
    readBoxAction(action, model.nu, this.ctrl, this.envName);
    (data.ctrl as Float64Array).set(this.ctrl);
    for (let i = 0; i < this.frameSkip; i++) this.mj.mj_step(model, data);
    this.mj.mj_rnePostConstraint(model, data);
    return this.ctrl;
  }

  /** The id of the body named `name` in the model (MuJoCo's mj_name2id); -1 if there is none. */
  protected bodyId(name: string): number {
    const id = this.mj.mj_name2id(this.model, this.mj.mjtObj.mjOBJ_BODY.value, name);
    if (id < 0) throw new GymwireError('internal', `${this.envName}: the model has no body named ${name}`);
    return id;
  }

  /** Gymnasium's get_body_com: the body frame's position (data.xpos), as [x, y, z]. */
  protected bodyPosition(bodyId: number): [number, number, number] {
    const xpos = this.data.xpos as Float64Array;
    return [xpos[3 * bodyId], xpos[3 * bodyId + 1], xpos[3 * bodyId + 2]];
  }

  /** Gymnasium's state_vector: qpos then qvel. */
  stateVector(): Float64Array {
    const qpos = this.qpos;
    const qvel = this.qvel;
    const out = new Float64Array(qpos.length + qvel.length);
    out.set(qpos);
    out.set(qvel, qpos.length);
    return out;
  }

  /** Gymnasium's metadata['render_modes'] for every MuJoCo env here (no 'human', no depth). */
  static readonly renderModes = ['rgb_array'] as const;

  /** Gymnasium's metadata['render_fps']: round(1 / dt). */
  get renderFps(): number {
    return Math.round(1 / this.dt);
  }

  /**
   * An rgb_array frame (Gymnasium's default 480x480) from the env's default camera: the scene
   * MuJoCo computes, drawn by graphics/renderer3d.ts.
   */
  render(): Frame {
    this.view ??= new MujocoSceneView(this.mj, this.model, DEFAULT_CAMERAS[this.envName] ?? {});
    this.renderer ??= new Renderer3D(RENDER_WIDTH, RENDER_HEIGHT);
    return this.renderer.render(this.view.update(this.data));
  }

  /** Frees the MjData and MjModel (and the render scene); closing twice is harmless. */
  override close(): void {
    this.view?.delete();
    this.view = null;
    this.renderer = null;
    this.liveData?.delete();
    this.liveModel?.delete();
    this.liveData = null;
    this.liveModel = null;
  }
}

/**
 * A new MjModel and MjData of a shipped file. MuJoCo's WebAssembly memory is one 2 GiB space
 * per process, shared by every MuJoCo env in it (each MjData holds an arena of some MiB): a
 * build that does not fit is limit_exceeded, and the module stays usable for the envs it holds.
 */
function buildSimulation(mj: MainModule, envName: string, xmlFile: ShippedModel): [MjModel, MjData] {
  let model: MjModel | null = null;
  try {
    model = loadModel(mj, xmlFile);
    return [model, new mj.MjData(model)];
  } catch (e) {
    model?.delete();
    if (e instanceof GymwireError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new GymwireError(
      'limit_exceeded',
      `${envName}: MuJoCo could not build ${xmlFile} (${why}): its WebAssembly memory (2 GiB per process, shared by ` +
        'every MuJoCo env in it) is full; close some or use another server process',
    );
  }
}

/** Gymnasium's control_cost: weight * sum(action^2). */
export function controlCost(weight: number, action: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < action.length; i++) sum += action[i] * action[i];
  return weight * sum;
}

/** A (low, high) pair, as Gymnasium's *_range kwargs. */
export type Range = readonly [number, number];

/** low < x < high, as Gymnasium's health checks compare (NaN is outside every range). */
export function inOpenRange(x: number, [low, high]: Range): boolean {
  return low < x && x < high;
}

/** low <= x <= high (NaN is outside every range). */
export function inClosedRange(x: number, [low, high]: Range): boolean {
  return low <= x && x <= high;
}

/** numpy's clip of each element into [lo, hi]. */
export function clipInto(out: Float64Array, offset: number, values: ArrayLike<number>, lo: number, hi: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[offset + i] = v < lo ? lo : v > hi ? hi : v;
  }
}
