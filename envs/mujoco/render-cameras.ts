// Each env's default render camera: Gymnasium 1.4's DEFAULT_CAMERA_CONFIG of its *_v5.py (the
// mjvCamera fields it sets), applied as its MujocoRenderer does to a free camera that first
// looks at the median of the geoms' positions from model.stat.extent away.
//
// `track`: the locomotion envs follow their body with MuJoCo's tracking camera (lookat = the
// body's subtree centre of mass, mjv_updateCamera). Gymnasium 1.4's renderer leaves the camera
// free (mujoco_rendering.py sets type mjCAMERA_FREE, which ignores trackbodyid), so there the
// runner soon leaves the picture; the body tracked is the config's trackbodyid, else the root (1).

export interface CameraConfig {
  trackbodyid?: number;
  distance?: number;
  lookat?: readonly [number, number, number];
  elevation?: number;
  azimuth?: number;
  /** Follow this body (or trackbodyid) with a tracking camera. */
  track?: number;
}

const ROOT_BODY = 1;

export const DEFAULT_CAMERAS: Record<string, CameraConfig> = {
  'InvertedPendulum-v5': { trackbodyid: 0, distance: 2.04 },
  'InvertedDoublePendulum-v5': { trackbodyid: 0, distance: 4.1225, lookat: [0.0, 0.0, 0.12250000000000005] },
  'Reacher-v5': { trackbodyid: 0 },
  'Pusher-v5': { trackbodyid: -1, distance: 4.0 },
  'Swimmer-v5': { track: ROOT_BODY },
  'HalfCheetah-v5': { distance: 4.0, track: ROOT_BODY },
  'Hopper-v5': { trackbodyid: 2, distance: 3.0, lookat: [0.0, 0.0, 1.15], elevation: -20.0, track: 2 },
  'Walker2d-v5': { trackbodyid: 2, distance: 4.0, lookat: [0.0, 0.0, 1.15], elevation: -20.0, track: 2 },
  'Ant-v5': { distance: 4.0, track: ROOT_BODY },
  'Humanoid-v5': { trackbodyid: 1, distance: 4.0, lookat: [0.0, 0.0, 2.0], elevation: -20.0, track: 1 },
  'HumanoidStandup-v5': { trackbodyid: 1, distance: 4.0, lookat: [0.0, 0.0, 0.8925], elevation: -20.0, track: 1 },
};
