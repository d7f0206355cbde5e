"""A CleanRL-style training loop (the shape of cleanrl/dqn.py for Gymnasium 1.x) on RemoteVectorEnv:
a few hundred vector steps of DQN on CartPole-v1 through the Node server, with torch when it is
installed and a linear numpy Q-function otherwise. A smoke test: it checks the loop runs as
CleanRL's does — episode statistics from infos["episode"] / infos["_episode"], NEXT_STEP autoreset
transitions left out of the replay buffer, finite losses, the network changed — not that it learns."""
from __future__ import annotations

import os
import random
import unittest
from typing import Any, List, Tuple

import support

import gymnasium as gym
import numpy as np

from gymwire import RemoteVectorEnv

try:
    if os.environ.get("GYMWIRE_TEST_NO_TORCH"):  # lets python.test.ts run the numpy variant too
        raise ImportError("torch left out")
    import torch
    from torch import nn
except ImportError:  # the numpy Q-function below stands in
    torch = None


def linear_schedule(start_e: float, end_e: float, duration: int, t: int) -> float:
    slope = (end_e - start_e) / duration
    return max(slope * t + start_e, end_e)


class NumpyQ:
    """Q(s) = W s + b, trained by plain gradient descent on the TD error."""

    def __init__(self, obs_size: int, n_actions: int, rng: Any):
        self.w = rng.normal(0, 0.1, (obs_size, n_actions))
        self.b = np.zeros(n_actions)

    def __call__(self, obs: Any) -> Any:
        return obs @ self.w + self.b

    def train_step(self, obs: Any, actions: Any, targets: Any, lr: float) -> float:
        q = self(obs)
        err = q[np.arange(len(actions)), actions] - targets
        grad = np.zeros_like(q)
        grad[np.arange(len(actions)), actions] = 2 * err / len(actions)
        self.w -= lr * obs.T @ grad
        self.b -= lr * grad.sum(0)
        return float(np.mean(err**2))

    def copy(self) -> "NumpyQ":
        other = NumpyQ.__new__(NumpyQ)
        other.w, other.b = self.w.copy(), self.b.copy()
        return other

    def params(self) -> Any:
        return np.concatenate([self.w.ravel(), self.b])


def dqn(url: str, num_envs: int = 4, total_steps: int = 300, seed: int = 1) -> Tuple[List[Tuple[float, int]], List[float], int, int, bool]:
    """(episode returns and lengths, losses, transitions stored, episodes that ended at the last
    step, whether the Q-function changed)."""
    random.seed(seed)
    np.random.seed(seed)
    envs = gym.wrappers.vector.RecordEpisodeStatistics(RemoteVectorEnv(url, "CartPole-v1", num_envs=num_envs))
    assert isinstance(envs.single_action_space, gym.spaces.Discrete), "only discrete action space is supported"
    obs_size, n_actions = int(np.prod(envs.single_observation_space.shape)), int(envs.single_action_space.n)
    if torch is not None:
        torch.manual_seed(seed)
        q_network = nn.Sequential(nn.Linear(obs_size, 32), nn.ReLU(), nn.Linear(32, n_actions))
        optimizer = torch.optim.Adam(q_network.parameters(), lr=2.5e-3)
        target_network = nn.Sequential(nn.Linear(obs_size, 32), nn.ReLU(), nn.Linear(32, n_actions))
        target_network.load_state_dict(q_network.state_dict())
        before = torch.cat([p.detach().flatten() for p in q_network.parameters()]).numpy().copy()
    else:
        q_network = NumpyQ(obs_size, n_actions, np.random.default_rng(seed))
        target_network = q_network.copy()
        before = q_network.params().copy()

    buffer: List[Tuple[Any, Any, int, float, bool]] = []
    episodes: List[Tuple[float, int]] = []
    losses: List[float] = []
    envs.single_action_space.seed(seed)
    obs, _ = envs.reset(seed=seed)
    autoreset = np.zeros(num_envs, dtype=bool)
    for global_step in range(total_steps):
        epsilon = linear_schedule(1.0, 0.05, total_steps // 2, global_step)
        if random.random() < epsilon:
            actions = np.array([envs.single_action_space.sample() for _ in range(num_envs)])
        elif torch is not None:
            actions = torch.argmax(q_network(torch.Tensor(obs)), dim=1).cpu().numpy()
        else:
            actions = np.argmax(q_network(obs), axis=1)
        next_obs, rewards, terminations, truncations, infos = envs.step(actions)
        if "episode" in infos:
            for i in np.where(infos["_episode"])[0]:
                episodes.append((float(infos["episode"]["r"][i]), int(infos["episode"]["l"][i])))
        # NEXT_STEP autoreset: the step after an episode's end only resets that sub-env.
        for i in range(num_envs):
            if not autoreset[i]:
                buffer.append((obs[i], next_obs[i], int(actions[i]), float(rewards[i]), bool(terminations[i])))
        autoreset = np.logical_or(terminations, truncations)
        obs = next_obs

        if global_step >= 50 and global_step % 2 == 0:
            batch = [buffer[j] for j in np.random.randint(0, len(buffer), 32)]
            b_obs, b_next, b_act, b_rew, b_done = (np.array(x) for x in zip(*batch))
            if torch is not None:
                with torch.no_grad():
                    target_max, _ = target_network(torch.Tensor(b_next)).max(dim=1)
                    td_target = torch.Tensor(b_rew) + 0.99 * target_max * (1 - torch.Tensor(b_done.astype(np.float32)))
                old_val = q_network(torch.Tensor(b_obs)).gather(1, torch.LongTensor(b_act).view(-1, 1)).squeeze()
                loss = nn.functional.mse_loss(td_target, old_val)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(float(loss))
                if global_step % 50 == 0:
                    target_network.load_state_dict(q_network.state_dict())
            else:
                td_target = b_rew + 0.99 * target_network(b_next).max(axis=1) * (1 - b_done)
                losses.append(q_network.train_step(b_obs, b_act, td_target, 1e-3))
                if global_step % 50 == 0:
                    target_network = q_network.copy()
    envs.close()
    after = torch.cat([p.detach().flatten() for p in q_network.parameters()]).numpy() if torch is not None else q_network.params()
    return episodes, losses, len(buffer), int(autoreset.sum()), not np.allclose(before, after)


class CleanRLStyleLoop(unittest.TestCase):
    def test_dqn_runs_on_a_remote_vector_env(self) -> None:
        steps, num_envs = 300, 4
        episodes, losses, stored, ended_last, changed = dqn(support.url(), num_envs, steps)
        print(
            f"CleanRL-style DQN ({'torch' if torch is not None else 'numpy'}): {steps} x {num_envs} steps, "
            f"{len(episodes)} episodes, mean return {np.mean([r for r, _ in episodes]):.1f}, last loss {losses[-1]:.4f}",
            flush=True,
        )
        self.assertGreaterEqual(len(episodes), 20, "random CartPole episodes last ~22 steps")
        for ret, length in episodes:
            self.assertEqual(ret, float(length), "CartPole pays 1 per step")
        # Every autoreset step was left out: one per episode, but for those ending at the last step.
        self.assertEqual(stored, steps * num_envs - len(episodes) + ended_last)
        self.assertTrue(np.all(np.isfinite(losses)) and len(losses) == (steps - 50) // 2)
        self.assertTrue(changed)


if __name__ == "__main__":
    unittest.main()
