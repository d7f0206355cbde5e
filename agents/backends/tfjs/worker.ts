// Worker-thread side of a multi-threaded learner (threads.ts): computes the gradient
// of its share of each batch's rows, reading the parameters straight from shared memory, then
// applies Adam to its range of the parameter vector. It blocks in Atomics.wait between steps,
// so it never needs its event loop after start-up.
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { startTfjsBackend } from './backends.ts';
import { adamPolyak } from './adam.ts';
import { GradientPass } from './gradients.ts';
import { CTRL, type Job, type WorkerInit } from './threads.ts';

const init = workerData as WorkerInit;
const ctrl = new Int32Array(init.ctrl, 0, 8);
const losses = new Float64Array(init.ctrl, 32, 3);
const grads = init.grads.map((b) => new Float32Array(b));
const own = grads[init.index];
const buffers = {
  params: new Float32Array(init.params),
  target: new Float32Array(init.target),
  m: new Float32Array(init.m),
  v: new Float32Array(init.v),
};
const signal = (slot: number, value: number) => {
  Atomics.store(ctrl, slot, value);
  Atomics.notify(ctrl, slot);
};
const waitFor = (slot: number, value: number) => {
  let v: number;
  while ((v = Atomics.load(ctrl, slot)) !== value) Atomics.wait(ctrl, slot, v);
};

try {
  const why = await startTfjsBackend(init.backend);
  if (why !== null) throw new Error(`tfjs backend '${init.backend}' could not be initialised in a gradient worker: ${why}`);
} catch (err) {
  init.port.postMessage(String(err));
  signal(CTRL.state, -1);
  throw err;
}
const pass = new GradientPass(init.gradients, buffers.params, buffers.target);
signal(CTRL.state, 1);

for (let seq = 0; ;) {
  Atomics.wait(ctrl, CTRL.go, seq);
  seq = Atomics.load(ctrl, CTRL.go);
  const job = receiveMessageOnPort(init.port)?.message as Job | undefined;
  if (!job || job.stop) break;
  try {
    pass.invalidate(); // the parameters have changed since the last job
    if (job.batch) {
      const l = pass.compute(job.batch, own, job.norm, job.wantLosses);
      if (l) [losses[0], losses[1], losses[2]] = [l.critic, l.actor, l.q];
    } else {
      own.fill(0);
      losses.fill(0);
    }
  } catch (err) {
    init.port.postMessage(String((err as Error)?.stack ?? err));
    signal(CTRL.failed, 1);
    signal(CTRL.done, seq);
    break;
  }
  signal(CTRL.done, seq);
  waitFor(CTRL.adamGo, seq);
  init.adam.lrScale = job.lrScale;
  adamPolyak(init.adam, buffers, grads, job.adamStep, init.from, init.to);
  signal(CTRL.adamDone, seq);
}
pass.invalidate();
init.port.close();
