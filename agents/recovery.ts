// What the training loop does when an env server's connection is lost, or the farm it trains on
// changes: the running episodes are cut (logged as interrupted, never stored as if they ended),
// fresh ones start on the envs the client got back, and when it did not get them back the envs
// are opened again (run-envs.ts, with backoff); when even that fails, a checkpoint is written
// and the run stops with how to resume. The loop (trainer.ts) calls in here and nowhere else
// handles a lost connection.
import type { GymwireError } from '../protocol/errors.ts';
import type { TrainConfig } from './train-config.ts';
import type { Collector, EpisodeEnd } from './collect.ts';
import { isConnectionLoss } from './evaluation.ts';
import { PartsLost } from './env-group.ts';
import type { RunEnvs } from './run-envs.ts';

/** What recovery needs of the run it recovers. */
export interface RecoveringRun {
  readonly c: TrainConfig;
  readonly envs: RunEnvs;
  readonly collector: Collector;
  /** Env steps so far. */
  step(): number;
  print(line: string): void;
  /** Logs an episode that was cut, with why. */
  recordCut(ep: EpisodeEnd, reason: string): void;
  /** Resets every sub-env (seeds of a fresh draw) and starts their episodes. */
  resetAll(): Promise<void>;
  /** Writes a checkpoint of this moment; returns its path. */
  saveCheckpoint(): string;
}

export class Recovery {
  constructor(private readonly run: RecoveringRun) {}

  /**
   * After a step that threw: null when collection goes on with fresh episodes everywhere
   * (nothing of the step to record), else the sub-envs whose server was lost while the others
   * answered (--url list), to leave out of the step's results before recoverParts().
   */
  async stepFailed(e: unknown): Promise<{ lost: PartsLost; absent: Uint8Array } | null> {
    if (!isConnectionLoss(e)) throw e;
    if (!(e instanceof PartsLost) || e.parts.length === e.of) {
      await this.recover(e);
      return null;
    }
    const group = this.run.envs.group;
    const absent = new Uint8Array(group.numEnvs);
    for (const k of e.parts) for (const i of group.subEnvsOf(k)) absent[i] = 1;
    return { lost: e, absent };
  }

  /** The farm changed (farm-envs.ts): re-open the sub-envs over its servers now, between episodes if they lined up. */
  async followFarm(): Promise<void> {
    this.cut('moved to the changed farm');
    try {
      await this.run.envs.reopenGroup((s) => this.run.print(s), true);
      await this.run.resetAll();
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      await this.recover(e);
    }
  }

  /** A lost connection: log the cut episodes, start fresh ones, re-opening the envs if the client did not get them back. */
  async recover(e: GymwireError): Promise<void> {
    const { run } = this;
    this.cut(e.message);
    if ((e.details as { timeout_ms?: unknown } | undefined)?.timeout_ms !== undefined) {
      run.print(
        `request timed out at step ${run.step()}: ${e.message} (--request-timeout ${run.c.requestTimeout} s); the connection is re-opened`,
      );
    }
    run.print(`connection lost at step ${run.step()} (${e.message}); starting fresh episodes on the re-made envs`);
    try {
      await run.resetAll();
      return;
    } catch (e2) {
      if (!isConnectionLoss(e2)) throw e2;
      run.print(`envs unreachable (${e2.message})`);
    }
    // The clients did not get their envs back by themselves: open them again.
    try {
      await run.envs.reopenGroup((s) => run.print(s));
      await run.resetAll();
    } catch (e3) {
      if (isConnectionLoss(e3)) throw this.giveUp(e3);
      throw e3;
    }
  }

  /**
   * Some servers' connections were lost and the others answered: only the lost sub-envs'
   * episodes are cut, and those sub-envs alone start fresh ones (reset with seeds of a new draw)
   * once their client is back; if it is not, recover() as from a whole loss.
   */
  async recoverParts(e: PartsLost): Promise<void> {
    const { run } = this;
    const group = run.envs.group;
    const subEnvs = e.parts.flatMap((k) => group.subEnvsOf(k));
    this.cut(e.message, subEnvs);
    run.print(
      `connection lost at step ${run.step()} (${e.message}); ` +
        `fresh episodes on the ${subEnvs.length} of ${group.numEnvs} sub-envs it served`,
    );
    try {
      await group.resetParts(e.parts, run.collector.nextResetSeeds());
      run.collector.restartEpisodes(subEnvs, group.obs);
    } catch (e2) {
      if (!isConnectionLoss(e2)) throw e2;
      await this.recover(e2);
    }
  }

  /** Writes a checkpoint and returns the error to fail with when the env servers stay unreachable. */
  giveUp = (e: GymwireError): Error => {
    const { c } = this.run;
    const path = this.run.saveCheckpoint();
    const tries = c.reconnectAttempts > 0 ? ` after ${c.reconnectAttempts} attempts` : '';
    const how = `wrote a checkpoint at step ${this.run.step()} to ${path} — continue with: npm run train -- --resume ${c.out}`;
    return new Error(`lost the env server and could not get it back${tries} (${e.message}); ${how}`, { cause: e });
  };

  /** Logs the running episodes (of `subEnvs` only, when given) as interrupted: they are not run on. */
  private cut(reason: string, subEnvs: number[] | null = null): void {
    for (const ep of this.run.collector.cut(subEnvs)) this.run.recordCut(ep, reason);
  }
}
