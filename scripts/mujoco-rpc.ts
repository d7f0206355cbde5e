// The MuJoCo behind scripts/record-mujoco-steps.py's stand-in `mujoco` Python module: MuJoCo's
// own WebAssembly build (mujoco-js), driven over stdin/stdout, one JSON object per line each
// way. There is no Python `mujoco` on the recording machine, so Gymnasium's env code runs in
// Python against this process; the physics is MuJoCo 3.3.8's on both sides of the comparison.
//
// It uses mujoco-js directly, not envs/mujoco/: the reference side shares none of the code
// it checks. Arrays travel as base64 of little-endian float64 (exact, NaN and infinities
// included). Requests: {id, op, ...}; replies: {id, ...} or {id, error}.
//   hello                         -> version, mjtObj (enum name -> value)
//   load {path}                   -> model (a handle), its sizes, timestep, arrays (MODEL_ARRAYS)
//   make_data {model}             -> data (a handle), fields
//   call {fn, model, data, nstep, set} -> fields: `set` (writable fields) is written into the
//                                    MjData, then fn runs (nstep times for mj_step), then every
//                                    mirrored field is read back
//   name2id {model, type, name}   -> objid
//   free {data} / free {model}
//
//   node --import tsx scripts/mujoco-rpc.ts   (started by the recorder; not run by hand)
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import factory, { type MainModule, type MjData, type MjModel } from 'mujoco-js';

/** MjData fields the stand-in mirrors: everything Gymnasium's v5 envs and mujoco_env.py read. */
const DATA_FIELDS = [
  'qpos',
  'qvel',
  'act',
  'ctrl',
  'xpos',
  'xipos',
  'site_xpos',
  'subtree_com',
  'cinert',
  'cvel',
  'cfrc_ext',
  'qfrc_actuator',
  'qfrc_constraint',
  'ten_length',
  'ten_velocity',
  'sensordata',
] as const;
type DataField = (typeof DATA_FIELDS)[number];

/** The fields Gymnasium writes (data.qpos[:] = ...): written back before every call. */
const WRITABLE: readonly DataField[] = ['qpos', 'qvel', 'act', 'ctrl'];

/** MjModel arrays the stand-in holds: those Gymnasium's v5 envs and mujoco_env.py read. */
const MODEL_ARRAYS = ['actuator_ctrlrange', 'body_mass'] as const;

const FUNCTIONS = ['mj_step', 'mj_forward', 'mj_rnePostConstraint', 'mj_resetData'] as const;
type MjFunction = (typeof FUNCTIONS)[number];

type Request = Record<string, unknown> & { id: number; op: string };

const toBase64 = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function fromBase64(s: string, expected: number, what: string): Float64Array {
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length !== 8 * expected) throw new Error(`${what}: ${bytes.length / 8} numbers, expected ${expected}`);
  return new Float64Array(Uint8Array.from(bytes).buffer);
}

class Session {
  private readonly models = new Map<number, MjModel>();
  private readonly datas = new Map<number, { data: MjData; model: MjModel }>();
  private nextHandle = 1;

  constructor(private readonly mj: MainModule) {}

  handle(req: Request): Record<string, unknown> {
    switch (req.op) {
      case 'hello':
        return { version: this.mj.mj_versionString(), mjtObj: this.enumValues() };
      case 'load':
        return this.load(String(req.path));
      case 'make_data':
        return this.makeData(this.model(req.model));
      case 'call':
        return this.call(req);
      case 'name2id':
        return { objid: this.mj.mj_name2id(this.model(req.model), Number(req.type), String(req.name)) };
      case 'free':
        return this.free(req);
      default:
        throw new Error(`unknown op ${req.op}`);
    }
  }

  private enumValues(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, v] of Object.entries(this.mj.mjtObj)) {
      if (name.startsWith('mj')) out[name] = (v as { value: number }).value;
    }
    return out;
  }

  private load(path: string): Record<string, unknown> {
    const file = `/model-${this.nextHandle}.xml`;
    this.mj.FS.writeFile(file, readFileSync(path, 'utf8'));
    const model = this.mj.MjModel.loadFromXML(file) as MjModel | null | undefined;
    this.mj.FS.unlink(file);
    if (!model) throw new Error(`MuJoCo could not load ${path}`);
    const handle = this.nextHandle++;
    this.models.set(handle, model);
    const opt = model.opt;
    const timestep = opt.timestep;
    opt.delete();
    const sizes = Object.fromEntries(
      ['nq', 'nv', 'nu', 'na', 'nbody', 'nsite', 'ntendon', 'nsensordata'].map((k) => [k, model[k as 'nq']]),
    );
    const arrays = Object.fromEntries(MODEL_ARRAYS.map((k) => [k, toBase64(Float64Array.from(model[k] as Float64Array))]));
    return { model: handle, sizes, timestep, arrays };
  }

  private makeData(model: MjModel): Record<string, unknown> {
    const data = new this.mj.MjData(model);
    const handle = this.nextHandle++;
    this.datas.set(handle, { data, model });
    return { data: handle, fields: this.fields(data) };
  }

  private call(req: Request): Record<string, unknown> {
    const fn = String(req.fn) as MjFunction;
    if (!FUNCTIONS.includes(fn)) throw new Error(`the stand-in does not forward ${fn}`);
    const entry = this.datas.get(Number(req.data));
    if (entry === undefined) throw new Error(`no MjData ${String(req.data)}`);
    const { data, model } = entry;
    if (this.model(req.model) !== model) throw new Error(`MjData ${String(req.data)} is not of model ${String(req.model)}`);
    const set = (req.set ?? {}) as Record<string, string>;
    for (const [field, b64] of Object.entries(set)) {
      if (!WRITABLE.includes(field as DataField)) throw new Error(`${field} is not writable here`);
      const view = data[field as DataField] as Float64Array;
      view.set(fromBase64(b64, view.length, field));
    }
    const nstep = fn === 'mj_step' ? Number(req.nstep ?? 1) : 1;
    if (!(Number.isInteger(nstep) && nstep >= 1)) throw new Error(`nstep must be a positive integer, got ${String(req.nstep)}`);
    for (let i = 0; i < nstep; i++) this.mj[fn](model, data);
    return { fields: this.fields(data) };
  }

  private fields(data: MjData): Record<string, string> {
    return Object.fromEntries(DATA_FIELDS.map((f) => [f, toBase64(data[f] as Float64Array)]));
  }

  private model(handle: unknown): MjModel {
    const model = this.models.get(Number(handle));
    if (model === undefined) throw new Error(`no MjModel ${String(handle)}`);
    return model;
  }

  private free(req: Request): Record<string, unknown> {
    if (req.data !== undefined) {
      this.datas.get(Number(req.data))?.data.delete();
      this.datas.delete(Number(req.data));
    }
    if (req.model !== undefined) {
      this.models.get(Number(req.model))?.delete();
      this.models.delete(Number(req.model));
    }
    return {};
  }
}

async function main(): Promise<void> {
  // MuJoCo's own messages go to stderr: stdout carries the replies only.
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const mj = await factory({ print: log, printErr: log });
  const session = new Session(mj);
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let id: unknown = null;
    let reply: Record<string, unknown>;
    try {
      const req = JSON.parse(line) as Request;
      id = req.id;
      reply = { id, ...session.handle(req) };
    } catch (e) {
      reply = { id, error: e instanceof Error ? e.message : String(e) };
    }
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
}

await main();
