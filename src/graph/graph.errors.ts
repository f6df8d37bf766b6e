/**
 * Failures of a Microsoft Graph call. Each message is one sentence meant for the
 * user of an MCP tool: it never carries a token, a URL with secrets or a raw body.
 */
export abstract class GraphError extends Error {
  /** HTTP status Graph answered with, when it answered at all. */
  abstract readonly status?: number;
}

/** Graph refused the grant's Entra token even after a refresh, or the upstream sign-in is gone. */
export class GraphSignInRequiredError extends GraphError {
  readonly status = 401;
  constructor(message = 'Microsoft Graph no longer accepts your sign-in; please sign in again.') {
    super(message);
    this.name = 'GraphSignInRequiredError';
  }
}

/** 429: throttled for longer than this server is willing to wait inside one tool call. */
export class GraphThrottledError extends GraphError {
  readonly status = 429;
  constructor(readonly retryAfterSeconds?: number) {
    super(
      retryAfterSeconds === undefined
        ? 'Microsoft Graph is throttling requests; please try again in a moment.'
        : `Microsoft Graph is throttling requests; please try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
    );
    this.name = 'GraphThrottledError';
  }
}

/** 5xx, unreachable, or no answer within the timeout. */
export class GraphUnavailableError extends GraphError {
  constructor(
    readonly reason: 'status' | 'unreachable' | 'timeout',
    readonly status?: number,
  ) {
    super(
      reason === 'timeout'
        ? 'Microsoft Graph did not answer in time; please try again.'
        : reason === 'unreachable'
          ? 'Microsoft Graph could not be reached; please try again later.'
          : `Microsoft Graph is temporarily unavailable (HTTP ${status}); please try again shortly.`,
    );
    this.name = 'GraphUnavailableError';
  }
}

/** Any other non-success answer (403 without User.Read consent, 404, unexpected body…). */
export class GraphRequestError extends GraphError {
  constructor(
    readonly status: number | undefined,
    message = `Microsoft Graph returned an unexpected answer${status === undefined ? '' : ` (HTTP ${status})`}.`,
  ) {
    super(message);
    this.name = 'GraphRequestError';
  }
}

/**
 * Direct mode: Entra refused to exchange the caller's token for a Graph token (On-Behalf-Of).
 * The message says what the user (or their administrator) must do.
 */
export class GraphOnBehalfOfError extends GraphError {
  readonly status = undefined;
  constructor(
    message: string,
    /** Entra's `error` (`invalid_grant`, `interaction_required`, …) and AADSTS code, for logs. */
    readonly entraError: string,
    readonly aadstsCode?: string,
  ) {
    super(message);
    this.name = 'GraphOnBehalfOfError';
  }
}
