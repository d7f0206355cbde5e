// What the request path tells the server's metrics (server/metrics.ts). Plain calls with
// numbers and a code string: nothing is allocated per request, so counting costs little on
// the step path.
export interface RequestStats {
  /** A step was answered: its time in the server (s, from being run to its answer) and the sub-env steps it made. */
  stepAnswered(seconds: number, envSteps: number): void;
  /** An error frame with this code was answered. */
  errorAnswered(code: string): void;
}

/** For a session run outside a server (tests, in-process transports): counts nothing. */
export const NO_STATS: RequestStats = { stepAnswered() {}, errorAnswered() {} };
