// The tfjs backend's entry: what choice.ts loads, on demand, when a run asks for tfjs.
export { TfjsDdpg, type TfjsDdpgConfig } from './ddpg.ts';
export { activeTfjsBackend, startTfjsBackend } from './backends.ts';
