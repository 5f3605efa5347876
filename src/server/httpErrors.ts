/**
 * Typed errors that carry their HTTP status. Routes throw them; errorHandler is the only code that turns them
 * (or anything else) into a response body. `expose` says whether the message is safe to show to a client.
 */
export class HttpError extends Error {
  readonly expose: boolean = true;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Record<string, string>;

  constructor(
    readonly status: number,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.headers = headers;
  }
}

export class BadRequestError extends HttpError {
  /** The request field at fault, where there is one (OpenAI's error shape reports it as `param`). */
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(400, message);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = "Invalid or missing API key.") {
    super(401, message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, message);
  }
}

export class ModelUnavailableError extends HttpError {
  constructor(message: string, retryAfterSeconds: number) {
    super(503, message, { "Retry-After": String(retryAfterSeconds) });
  }
}

export class GenerationFailedError extends HttpError {
  constructor(message: string) {
    super(500, message);
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, message, { "Retry-After": String(retryAfterSeconds) });
  }
}

/** The llama.cpp binary behind the cli runner failed: it could not start, or exited with an error. */
export class RunnerFailedError extends HttpError {
  constructor(status: 502 | 503, message: string) {
    super(status, message);
  }
}
