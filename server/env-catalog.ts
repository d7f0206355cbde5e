// list_envs: what each registered env looks like. Spaces are only known once an env exists,
// so each id is made once (default kwargs), described, closed, and the answer cached; an env
// that loads lazily declares its spaces at registration instead.
import type { EnvInfo } from '../protocol/schema/messages.ts';
import type { ResolvedOptions } from './options.ts';

export class EnvCatalog {
  private readonly cache = new Map<string, EnvInfo | null>();

  constructor(private readonly opts: ResolvedOptions) {}

  list(): EnvInfo[] {
    const out: EnvInfo[] = [];
    for (const reg of this.opts.registrations()) {
      if (!this.cache.has(reg.id)) this.cache.set(reg.id, this.describe(reg.id));
      const info = this.cache.get(reg.id);
      if (info) out.push(info);
    }
    return out;
  }

  private describe(id: string): EnvInfo | null {
    const reg = this.opts.registrations().find((r) => r.id === id)!;
    try {
      // A lazy env (MuJoCo) declares its spaces, so listing does not load its module.
      const env = reg.lazy && reg.spaces ? null : this.opts.makeEnv(id, {});
      const info: EnvInfo = {
        id,
        observation_space: env?.observationSpace ?? reg.spaces!.observation,
        action_space: env?.actionSpace ?? reg.spaces!.action,
        max_episode_steps: reg.maxEpisodeSteps,
        reward_threshold: reg.rewardThreshold,
        nondeterministic: reg.nondeterministic ?? false,
        kwargs: reg.kwargs,
        reset_options: reg.resetOptions ?? {},
        render_modes: reg.renderModes ?? ['rgb_array'],
        render_fps: reg.renderFps ?? null,
      };
      env?.close();
      return info;
    } catch (e) {
      // An env that cannot even be built is left out rather than failing the whole listing.
      this.opts.log(`list_envs: ${id} could not be made: ${(e as Error).message}`);
      return null;
    }
  }
}
