// The train CLI's dashboard flags: --dashboard [PORT], --dashboard-host, --dashboard-frames-every.
// Kept apart from the server so parsing them loads neither esbuild nor the page.
import type { DashboardOptions } from './server.ts';

export const DASHBOARD_FLAGS = {
  dashboard: { type: 'string' },
  'dashboard-host': { type: 'string' },
  'dashboard-frames-every': { type: 'string' },
} as const;

export const DASHBOARD_HELP = `  --dashboard [PORT]            follow the run in a browser: learning curves and the latest eval episode
                                (port 0 or none = any free port; the URL is printed)
  --dashboard-host HOST         address the dashboard listens on (default 127.0.0.1: this machine only)
  --dashboard-frames-every N    record every N-th evaluation's first episode for the page (default 1; 0 = none)`;

/** `--dashboard` may stand without its port (last, or before another flag): it then means port 0. */
export function withDashboardPort(argv: string[]): string[] {
  return argv.flatMap((a, i) => (a === '--dashboard' && (i + 1 >= argv.length || argv[i + 1].startsWith('-')) ? [a, '0'] : [a]));
}

function nonNegativeInt(flag: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error(`--${flag}: ${JSON.stringify(raw)} is not a non-negative integer`);
  return n;
}

/** The dashboard's options from parsed flags, or null when --dashboard was not given; throws on a bad value. */
export function dashboardOptions(values: Record<string, unknown>): DashboardOptions | null {
  if (values.dashboard === undefined) {
    for (const f of ['dashboard-host', 'dashboard-frames-every']) if (values[f] !== undefined) throw new Error(`--${f} needs --dashboard`);
    return null;
  }
  const port = nonNegativeInt('dashboard', values.dashboard as string);
  if (port > 65535) throw new Error(`--dashboard: port ${port} is over 65535`);
  const every = values['dashboard-frames-every'];
  return {
    port,
    host: (values['dashboard-host'] as string | undefined) ?? '127.0.0.1',
    framesEvery: every === undefined ? 1 : nonNegativeInt('dashboard-frames-every', every as string),
  };
}
