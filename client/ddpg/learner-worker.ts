// Worker-thread side of a multi-threaded learner (learner-threads.ts): computes the gradient
// of its share of each batch's rows, reading the parameters straight from shared memory.
// It blocks in Atomics.wait between updates, so it never needs its event loop after start-up.
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { selectBackend, type BackendName } from './backend.ts';
import { GradientPass, type Batch, type GradientConfig } from './learner-gradients.ts';
import { CTRL } from './learner-threads.ts';

interface Init {
  backend: BackendName;
  cfg: GradientConfig;
  params: SharedArrayBuffer;
  target: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
  port: MessagePort;
}
export interface Job {
  stop?: boolean;
  batch: Batch;
  norm: number;
  wantLosses: boolean;
}

const init = workerData as Init;
const ctrl = new Int32Array(init.ctrl, 0, 4);
const losses = new Float64Array(init.ctrl, 16, 2);
const grads = new Float32Array(init.grads);
const signal = (slot: number, value: number) => {
  Atomics.store(ctrl, slot, value);
  Atomics.notify(ctrl, slot);
};

try {
  await selectBackend(init.backend);
} catch (err) {
  init.port.postMessage(String(err));
  signal(CTRL.state, -1);
  throw err;
}
const pass = new GradientPass(init.cfg, new Float32Array(init.params), new Float32Array(init.target));
signal(CTRL.state, 1);

for (let seq = 0; ; ) {
  Atomics.wait(ctrl, CTRL.go, seq);
  seq = Atomics.load(ctrl, CTRL.go);
  const job = receiveMessageOnPort(init.port)?.message as Job | undefined;
  if (!job || job.stop) break;
  try {
    pass.invalidate(); // the parameters have changed since the last job
    const l = pass.compute(job.batch, grads, job.norm, job.wantLosses);
    if (l) [losses[0], losses[1]] = [l.critic, l.actor];
  } catch (err) {
    init.port.postMessage(String((err as Error)?.stack ?? err));
    Atomics.store(ctrl, CTRL.failed, 1);
  }
  signal(CTRL.done, seq);
}
pass.invalidate();
init.port.close();
