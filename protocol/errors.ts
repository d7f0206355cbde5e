import type { ErrorBody, ErrorCode } from './schema/errors.ts';

/** An error with a stable code; thrown by envs, sent by the server, rethrown by clients. */
export class GymwireError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'GymwireError';
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: ErrorBody): GymwireError {
    return new GymwireError(body.code, body.message, body.details);
  }
}
