// Registers the Box2D envs (LunarLander, BipedalWalker).
