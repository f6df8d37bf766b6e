/** The console client's exit codes (issue 6): scripts branch on these. */
export enum ExitCode {
  Ok = 0,
  /** The tool ran and reported an error (`isError`), or the server refused the call. */
  ToolError = 1,
  /** Bad command line. */
  Usage = 2,
  /** Sign-in failed, was denied or timed out, or the server refused our tokens. */
  AuthFailed = 3,
  /** The MCP server could not be reached. */
  Unreachable = 4,
}
