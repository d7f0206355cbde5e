// The observation Humanoid-v5 and HumanoidStandup-v5 share (Gymnasium 1.4's _get_obs of both):
// qpos (without the root's x and y unless asked for), qvel, then, each if asked for, the
// bodies' com-based inertia (cinert) and velocity (cvel) and external contact forces
// (cfrc_ext), all but the world body's, and the actuator forces on the joints past the free
// root (qfrc_actuator[6:]). cfrc_ext is current because each step ends in mj_rnePostConstraint.
import type { MjData } from './runtime.ts';

export interface HumanoidObservationOptions {
  exclude_current_positions_from_observation: boolean;
  include_cinert_in_observation: boolean;
  include_cvel_in_observation: boolean;
  include_qfrc_actuator_in_observation: boolean;
  include_cfrc_ext_in_observation: boolean;
}

/** The parts of the observation, in order, as views of MuJoCo's arrays (copied at once by the caller). */
function parts(data: MjData, o: HumanoidObservationOptions): Float64Array[] {
  const qpos = data.qpos as Float64Array;
  const out = [qpos.subarray(o.exclude_current_positions_from_observation ? 2 : 0), data.qvel as Float64Array];
  if (o.include_cinert_in_observation) out.push((data.cinert as Float64Array).subarray(10));
  if (o.include_cvel_in_observation) out.push((data.cvel as Float64Array).subarray(6));
  if (o.include_qfrc_actuator_in_observation) out.push((data.qfrc_actuator as Float64Array).subarray(6));
  if (o.include_cfrc_ext_in_observation) out.push((data.cfrc_ext as Float64Array).subarray(6));
  return out;
}

export function humanoidObservation(data: MjData, o: HumanoidObservationOptions): Float64Array {
  const p = parts(data, o);
  const obs = new Float64Array(p.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of p) {
    obs.set(a, at);
    at += a.length;
  }
  return obs;
}

/** The observation's size for these options. */
export function humanoidObservationSize(data: MjData, o: HumanoidObservationOptions): number {
  return parts(data, o).reduce((n, a) => n + a.length, 0);
}

/** numpy's sum of squares of `values` (sequential; numpy sums pairwise, which may differ in the last bits). */
export function sumOfSquares(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return s;
}
