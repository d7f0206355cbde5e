// BipedalWalker's scale and viewport, which both the simulation (bipedal-walker.ts) and its
// renderer (bipedal-walker-render.ts) are laid out in: a leaf module, so that the env imports
// the renderer and the renderer never imports the env.

export const SCALE = 30.0; // affects how fast-paced the game is, forces should be adjusted as well

export const VIEWPORT_W = 600;
export const VIEWPORT_H = 400;

export const TERRAIN_STEP = 14 / SCALE;
export const TERRAIN_HEIGHT = VIEWPORT_H / SCALE / 4;
