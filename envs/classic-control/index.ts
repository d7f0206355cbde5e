// Registers the classic-control envs (Pendulum, MountainCarContinuous, CartPole, MountainCar, Acrobot).
