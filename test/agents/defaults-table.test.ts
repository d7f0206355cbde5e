// agents/README.md's table of default hyperparameters says what defaults.ts holds: every cell
// is read back and compared with the config a run on that env gets (DDPG, and TD3 where a cell
// says "(TD3: ...)"), so the table cannot drift from the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE_CONFIG, defaultsFor } from '../../agents/defaults.ts';
import type { TrainConfig } from '../../agents/train-config.ts';

const README = readFileSync(new URL('../../agents/README.md', import.meta.url), 'utf8');

/** The table under "## Default hyperparameters": its header and its rows, cells trimmed, bold removed. */
function table(): { envs: string[]; rows: Map<string, string[]> } {
  const section = README.slice(README.indexOf('## Default hyperparameters')).split('\n');
  const start = section.findIndex((l) => l.startsWith('| setting |'));
  const end = section.findIndex((l, i) => i > start && !l.startsWith('|'));
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.replaceAll('**', '').trim());
  const [header, , ...body] = section.slice(start, end);
  return { envs: cells(header).slice(1), rows: new Map(body.map((l) => [cells(l)[0], cells(l).slice(1)])) };
}

/** A number as the table writes it: "1 000 000", "1e-3", "150k". */
function num(s: string): number {
  const t = s.replace(/(\d) (?=\d)/g, '$1').trim();
  const k = /^([\d.]+)k$/.exec(t);
  const n = k ? Number(k[1]) * 1000 : Number(t);
  assert.ok(Number.isFinite(n), `not a number: ${JSON.stringify(s)}`);
  return n;
}

/** A cell's DDPG value and, with "(TD3: x)", TD3's. */
function split(cell: string): { ddpg: string; td3: string } {
  const m = /^(.*?)\s*\(TD3: (.*)\)$/.exec(cell);
  return m ? { ddpg: m[1], td3: m[2] } : { ddpg: cell, td3: cell };
}

type Check = (c: TrainConfig, cell: string) => void;
const one =
  (key: keyof TrainConfig): Check =>
  (c, cell) =>
    assert.equal(c[key], num(cell), `${key}`);
const CHECKS: Record<string, Check> = {
  steps: one('steps'),
  'actor / critic hidden': (c, cell) => {
    assert.equal(c.actorHidden.join(','), cell);
    assert.equal(c.criticHidden.join(','), cell);
  },
  'actor / critic lr': (c, cell) => {
    assert.equal(c.actorLr, num(cell));
    assert.equal(c.criticLr, num(cell));
  },
  γ: one('gamma'),
  τ: one('tau'),
  'batch size': one('batchSize'),
  'replay capacity': one('bufferSize'),
  'warm-up steps (uniform actions, no updates)': one('learningStarts'),
  'updates per env step': one('updatesPerStep'),
  'n-step returns (`--n-step`)': one('nStep'),
  'exploration noise': (c, cell) => {
    const g = /^Gaussian σ ([\d.]+)(?: → ([\d.]+) over (\S+))?$/.exec(cell);
    const ou = /^OU σ ([\d.]+) θ ([\d.]+) dt ([\d.]+)$/.exec(cell);
    const td3Only = /^([\d.]+)$/.exec(cell);
    if (g) {
      assert.equal(c.noise, 'gaussian');
      assert.equal(c.noiseSigma, num(g[1]));
      assert.equal(c.noiseSigmaFinal, num(g[2] ?? g[1]));
      if (g[3]) assert.equal(c.noiseDecaySteps, num(g[3]));
    } else if (ou) {
      assert.deepEqual([c.noise, c.noiseSigma, c.ouTheta, c.ouDt], ['ou', num(ou[1]), num(ou[2]), num(ou[3])]);
    } else if (td3Only) {
      assert.equal(c.noiseSigma, num(td3Only[1]));
      assert.equal(c.noiseSigmaFinal, num(td3Only[1]), 'no decay');
    } else assert.fail(`exploration noise cell not understood: ${cell}`);
  },
  'layer-normalised critic (`--critic-layer-norm`)': (c, cell) => assert.equal(c.criticLayerNorm, cell === 'on'),
  'TD3: policy delay / target noise σ / clip': (c, cell) => {
    const [delay, sigma, clip] = (cell === 'same' ? '2 / 0.2 / 0.5' : cell).split('/').map(num);
    assert.deepEqual([c.policyDelay, c.policyNoise, c.noiseClip], [delay, sigma, clip]);
  },
  'eval every / episodes': (c, cell) => {
    const [every, episodes] = cell.split('/').map(num);
    assert.deepEqual([c.evalEvery, c.evalEpisodes], [every, episodes]);
  },
  'checkpoint every': one('checkpointEvery'),
  'learning statistics every (updates)': one('statsEvery'),
};

test("every cell of the README's defaults table is what defaultsFor gives, DDPG and TD3", () => {
  const { envs, rows } = table();
  assert.equal(envs[0], 'base');
  assert.deepEqual([...rows.keys()].sort(), Object.keys(CHECKS).sort(), 'the table has a check for each row, and each check a row');
  envs.forEach((env, col) => {
    for (const algo of ['ddpg', 'td3'] as const) {
      const c = env === 'base' ? { ...BASE_CONFIG, algo } : defaultsFor(env, algo);
      for (const [setting, cells] of rows) {
        const cell = split(cells[col])[algo];
        assert.doesNotThrow(
          () => CHECKS[setting](c, cell),
          (e: unknown) => {
            throw new Error(`${env} ${algo} "${setting}": the table says ${JSON.stringify(cell)}: ${(e as Error).message}`);
          },
        );
      }
    }
  });
});

/** The table under "### SAC's defaults", as table() reads the first one. */
function sacTable(): { envs: string[]; rows: Map<string, string[]> } {
  const section = README.slice(README.indexOf("### SAC's defaults")).split('\n');
  const start = section.findIndex((l) => l.startsWith('| setting |'));
  const end = section.findIndex((l, i) => i > start && !l.startsWith('|'));
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.replaceAll('**', '').trim());
  const [header, , ...body] = section.slice(start, end);
  return { envs: cells(header).slice(1), rows: new Map(body.map((l) => [cells(l)[0], cells(l).slice(1)])) };
}

const SAC_CHECKS: Record<string, Check> = {
  steps: one('steps'),
  'actor / critic hidden': CHECKS['actor / critic hidden'],
  'policy lr (`--policy-lr`)': one('actorLr'),
  "q lr (`--q-lr`, also α's)": one('criticLr'),
  'learning-rate schedule': (c, cell) => assert.equal(c.lrSchedule, cell),
  γ: one('gamma'),
  τ: one('tau'),
  'batch size': one('batchSize'),
  'replay capacity': one('bufferSize'),
  'warm-up steps (uniform actions, no updates)': one('learningStarts'),
  'updates per env step': one('updatesPerStep'),
  'policy frequency (`--policy-frequency`)': one('policyFrequency'),
  α: (c, cell) => {
    assert.equal(
      cell === 'same' ? 'tuned, from 1, to entropy −(action dimensions)' : cell,
      'tuned, from 1, to entropy −(action dimensions)',
    );
    assert.deepEqual([c.autotune, c.targetEntropy, c.noise], [true, null, 'none']);
  },
  'eval every / episodes': CHECKS['eval every / episodes'],
  'checkpoint every': one('checkpointEvery'),
};

test("every cell of the README's SAC defaults table is what defaultsFor gives SAC", () => {
  const { envs, rows } = sacTable();
  assert.equal(envs[0], 'base');
  assert.deepEqual([...rows.keys()].sort(), Object.keys(SAC_CHECKS).sort(), 'the table has a check for each row, and each check a row');
  envs.forEach((env, col) => {
    const c = defaultsFor(env === 'base' ? 'an env with no row' : env, 'sac');
    for (const [setting, cells] of rows) {
      assert.doesNotThrow(
        () => SAC_CHECKS[setting](c, cells[col]),
        (e: unknown) => {
          throw new Error(`${env} sac "${setting}": the table says ${JSON.stringify(cells[col])}: ${(e as Error).message}`);
        },
      );
    }
  });
});
