// One server's share of the trainer's sub-envs, as parts of its batch (agents/env-group.ts):
// one vector env, so that a vector step is one request to the server; or, where the server has
// no vector envs (they are optional in the protocol: it answers the make with 'unsupported'),
// one single env per sub-env, with the autoreset done on this side. Used for a list of --url
// servers and for each server of a farm alike.
import type { ConnectOptions } from '../client/connection.ts';
import type { Kwargs } from '../client/remote-handle.ts';
import { GymwireError } from '../protocol/errors.ts';
import { singleEnvPart, vectorPart, type BatchPart } from './env-group.ts';

export async function openServerShare(
  url: string,
  envId: string,
  numEnvs: number,
  kwargs: Kwargs,
  opts: ConnectOptions,
): Promise<BatchPart[]> {
  const { RemoteVectorEnv } = await import('../client/remote-vector-env.ts');
  try {
    return [vectorPart(await RemoteVectorEnv.connect(url, envId, numEnvs, kwargs, opts))];
  } catch (e) {
    if (!(e instanceof GymwireError && e.code === 'unsupported')) throw e;
  }
  const { RemoteEnv } = await import('../client/remote-env.ts');
  const parts: BatchPart[] = [];
  try {
    for (let i = 0; i < numEnvs; i++) parts.push(singleEnvPart(await RemoteEnv.connect(url, envId, kwargs, opts)));
  } catch (e) {
    await Promise.all(parts.map((p) => p.close().catch(() => {})));
    throw e;
  }
  return parts;
}
