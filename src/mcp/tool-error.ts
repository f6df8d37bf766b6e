/**
 * An error whose message is written for the user of the tool (one clear sentence).
 * Tool code throws it; the call ends as a tool result with `isError: true`.
 * Any other error becomes a generic message and is logged.
 */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}
