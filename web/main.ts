// The page: connect (token as a sub-protocol), pick an env and its kwargs, reset with a seed and
// play it from the keyboard, with random actions, or with a loaded actor, at the env's
// render_fps or faster. The server that serves the page is the one it connects to, unless the
// URL says ?server=ws://host:port.
import type { EnvInfo } from '../protocol/schema/messages.ts';
import type { Policy } from '../agents/actor-policy.ts';
import { shapeSize } from '../protocol/spaces.ts';
import { BrowserConnection, serverUrlOf } from './connection.ts';
import { BrowserEnv, listEnvs } from './remote-env.ts';
import { FrameCanvas } from './frame-canvas.ts';
import { EpisodeView } from './episode-view.ts';
import { Player } from './player.ts';
import { keyMapFor, type KeyMap } from './key-actions.ts';
import { HeldKeys } from './held-keys.ts';
import { keyboardController, policyController, randomController, type Controller } from './controllers.ts';
import { fillKwargsForm, readKwargsForm } from './kwargs-form.ts';
import { policyFromFiles, policyMismatch, readPickedFiles } from './actor-files.ts';
import { PAGE_RECONNECT, Reconnect } from './reconnect.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The server a connection is to, as the status line names it. */
function describe(connection: BrowserConnection): string {
  return `${connection.server.server_name} ${connection.server.server_version} (protocol ${connection.server.protocol_version})`;
}

/** Render fps for envs that do not declare one (gymnasium.utils.play's fallback). */
const DEFAULT_FPS = 30;

class App {
  private connection: BrowserConnection | null = null;
  private envs: EnvInfo[] = [];
  private env: BrowserEnv | null = null;
  private player: Player | null = null;
  private keyMap: KeyMap | null = null;
  private policy: Policy | null = null;
  /** Whether to play again once a dropped connection is back (it dropped while playing). */
  private resume = false;
  /** The tries after a dropped connection, while they go. */
  private reconnecting: Reconnect | null = null;
  private readonly keys = new HeldKeys();
  private readonly canvas = new FrameCanvas($<HTMLCanvasElement>('screen'));
  private readonly serverUrl = new URLSearchParams(location.search).get('server') ?? serverUrlOf(location);

  constructor() {
    this.keys.listen(window, () => this.keyMap?.keys ?? new Set());
    const fromHash = /(?:^#|&)token=([^&]*)/.exec(location.hash)?.[1];
    if (fromHash) $<HTMLInputElement>('token').value = decodeURIComponent(fromHash);
    $('connect-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.connect();
    });
    $('env-form').addEventListener('submit', (e) => {
      e.preventDefault();
      void this.play();
    });
    $('stop').addEventListener('click', () => void this.stop());
    $('env').addEventListener('change', () => this.showEnv());
    $('controller').addEventListener('change', () => this.setController());
    $('speed').addEventListener('change', () => {
      if (this.player) this.player.speed = this.speed();
    });
    $('actor-files').addEventListener('change', () => void this.loadActor());
    $('screen').tabIndex = 0;
  }

  status(text: string, state?: string): void {
    $('status').textContent = text;
    if (state !== undefined) document.body.dataset.state = state;
  }

  fail(e: unknown): void {
    this.status((e as Error).message ?? String(e), 'error');
  }

  async connect(): Promise<void> {
    this.resume = false;
    this.reconnecting?.cancel();
    this.reconnecting = null;
    await this.stop();
    this.connection?.close();
    this.connection = null;
    $<HTMLButtonElement>('start').disabled = true;
    this.status(`connecting to ${this.serverUrl}…`, 'connecting');
    try {
      const connection = await this.open($<HTMLInputElement>('token').value);
      this.status(`connected to ${describe(connection)}`, 'connected');
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * Opens a connection and makes it the page's: its envs in the list, Start enabled, a drop
   * reconnects. `wanted` says whether it is still wanted once open (the user may have pressed
   * Connect during a reconnect's try): if not, it is closed and the try fails.
   */
  private async open(token: string, wanted: () => boolean = () => true): Promise<BrowserConnection> {
    const connection = await BrowserConnection.open(this.serverUrl, token);
    if (!wanted()) {
      connection.close();
      throw new Error('cancelled');
    }
    connection.onClose((e) => {
      if (this.connection !== connection) return;
      // What was playing starts again (a new episode) once the connection is back.
      this.resume = this.player !== null;
      this.connection = null;
      this.player = null;
      this.env = null;
      $<HTMLButtonElement>('start').disabled = true;
      $<HTMLButtonElement>('stop').disabled = true;
      void this.reconnect(e, token);
    });
    this.connection = connection;
    try {
      this.envs = await listEnvs(connection);
    } catch (e) {
      this.connection = null;
      connection.close();
      throw e;
    }
    const select = $<HTMLSelectElement>('env');
    const previous = select.value;
    select.replaceChildren(
      ...this.envs.map((info) => Object.assign(document.createElement('option'), { value: info.id, textContent: info.id })),
    );
    if (this.envs.some((e) => e.id === previous)) select.value = previous;
    this.showEnv();
    $<HTMLButtonElement>('start').disabled = false;
    return connection;
  }

  /** After a drop: tries again with backoff (web/reconnect.ts), saying so; the episode that was playing is over. */
  private async reconnect(lost: Error, token: string): Promise<void> {
    const reconnect: Reconnect = new Reconnect(
      PAGE_RECONNECT,
      async () => {
        await this.open(token, () => this.reconnecting === reconnect);
      },
      (delayMs, attempt, attempts, lastError) =>
        this.status(
          `${lost.message}${lastError ? `; ${lastError.message}` : ''} — ` +
            `reconnecting in ${delayMs / 1000} s (try ${attempt} of ${attempts})`,
          'reconnecting',
        ),
    );
    this.reconnecting = reconnect;
    const outcome = await reconnect.run();
    if (this.reconnecting !== reconnect) return;
    this.reconnecting = null;
    if (outcome.ok && this.resume) {
      this.resume = false;
      await this.play();
      if (this.player !== null) {
        const what = `playing ${this.env?.envId} again: the episode that was playing ended with the connection`;
        this.status(`reconnected to ${describe(this.connection!)}; ${what}`, 'playing');
      }
    } else if (outcome.ok) {
      this.status(`reconnected to ${describe(this.connection!)}; the episode that was playing ended with the connection`, 'connected');
    } else {
      this.fail(
        new Error(
          `${lost.message}; not back after ${PAGE_RECONNECT.attempts} tries` +
            `${outcome.error ? ` (${outcome.error.message})` : ''} — press Connect to try again`,
        ),
      );
    }
  }

  private info(): EnvInfo | undefined {
    return this.envs.find((e) => e.id === $<HTMLSelectElement>('env').value);
  }

  private showEnv(): void {
    const info = this.info();
    if (!info) return;
    fillKwargsForm($<HTMLFieldSetElement>('kwargs'), info);
    const fps = info.render_fps ?? null;
    const renders = info.render_modes === undefined || info.render_modes.includes('rgb_array');
    const rate = fps === null ? `no render_fps declared: plays at ${DEFAULT_FPS}` : `render_fps ${fps}`;
    $('env-about').textContent = `${rate}; max ${info.max_episode_steps ?? '∞'} steps${renders ? '' : '; cannot render'}`;
    this.showKeys(keyMapFor(info.id, info.action_space));
  }

  private showKeys(keyMap: KeyMap): void {
    this.keyMap = keyMap;
    $('key-help').replaceChildren(...keyMap.help.map((line) => Object.assign(document.createElement('li'), { textContent: line })));
  }

  private speed(): number {
    return Number($<HTMLSelectElement>('speed').value);
  }

  /** The controller chosen in the page for `env`, or throws saying why it cannot drive it. */
  private controller(env: BrowserEnv): Controller {
    const choice = $<HTMLSelectElement>('controller').value;
    if (choice === 'random') return randomController(env.actionSpace);
    if (choice === 'actor') {
      if (this.policy === null) throw new Error('load an actor first');
      const obsSize = env.observationSpace.type === 'Box' ? shapeSize(env.observationSpace.shape) : -1;
      const actSize = env.actionSpace.type === 'Box' ? shapeSize(env.actionSpace.shape) : -1;
      const mismatch = policyMismatch(this.policy, env.envId, obsSize, actSize);
      if (mismatch !== null) throw new Error(mismatch);
      return policyController(this.policy);
    }
    return keyboardController(this.keyMap!, this.keys);
  }

  private setController(): void {
    if (this.player === null || this.env === null) return;
    try {
      this.player.controller = this.controller(this.env);
    } catch (e) {
      this.fail(e);
    }
  }

  async play(): Promise<void> {
    const info = this.info();
    const connection = this.connection;
    if (!info || connection === null) return;
    try {
      await this.stop();
      const seedText = $<HTMLInputElement>('seed').value.trim();
      const seed = seedText === '' ? null : Number(seedText);
      if (seed !== null && (!Number.isInteger(seed) || seed < 0)) throw new Error(`seed '${seedText}' is not a non-negative integer`);
      const env = await BrowserEnv.make(connection, info.id, readKwargsForm($<HTMLFieldSetElement>('kwargs')));
      this.env = env;
      this.showKeys(keyMapFor(info.id, env.actionSpace));
      const rates = (): { sps: number } => ({ sps: player.steps.rate(performance.now()) });
      // An episode cut by a dropped connection is not an error of its own: the reconnect says it.
      const view = new EpisodeView(document, this.canvas, rates, (e) => {
        if (this.player === player) this.fail(e);
      });
      const player: Player = new Player(env, info.render_fps ?? DEFAULT_FPS, this.controller(env), view);
      player.speed = this.speed();
      this.player = player;
      player.start(seed);
      $<HTMLButtonElement>('stop').disabled = false;
      $('screen').focus();
      this.status(`playing ${info.id} (${player.controller.name})`, 'playing');
    } catch (e) {
      this.fail(e);
    }
  }

  async stop(): Promise<void> {
    const player = this.player;
    const env = this.env;
    this.player = null;
    this.env = null;
    $<HTMLButtonElement>('stop').disabled = true;
    if (player) await player.stop();
    if (env) await env.close().catch(() => {});
    if (document.body.dataset.state === 'playing') this.status('stopped', 'connected');
  }

  async loadActor(): Promise<void> {
    const input = $<HTMLInputElement>('actor-files');
    try {
      const policy = await policyFromFiles(await readPickedFiles(input.files ?? []));
      this.policy = policy;
      const d = policy.description;
      $('actor-about').textContent = `loaded: ${d.algo ?? 'ddpg'} actor for ${d.envId}, ${[d.obsDim, ...d.hidden, d.actDim].join('→')}`;
      const option = $<HTMLSelectElement>('controller').querySelector<HTMLOptionElement>('option[value="actor"]')!;
      option.disabled = false;
      option.textContent = `actor (${d.envId})`;
      $<HTMLSelectElement>('controller').value = 'actor';
      if (this.envs.some((e) => e.id === d.envId)) {
        $<HTMLSelectElement>('env').value = d.envId;
        this.showEnv();
      }
      this.setController();
      document.body.dataset.actor = 'loaded';
    } catch (e) {
      this.policy = null;
      $('actor-about').textContent = `not loaded: ${(e as Error).message}`;
      document.body.dataset.actor = 'error';
    }
  }
}

const app = new App();
void app.connect();
