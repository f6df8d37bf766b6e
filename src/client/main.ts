#!/usr/bin/env node
/**
 * `npm run client`: the console MCP client (issue 6). This entry point is the
 * only place that reads the process (arguments, environment, streams).
 */
import { homedir } from 'node:os';
import { runClient } from './run';

void runClient({
  argv: process.argv.slice(2),
  env: process.env,
  platform: process.platform,
  homedir: homedir(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then((code) => {
  process.exitCode = code;
  // Sockets the SDK may keep (SSE reconnects, keep-alive) must not hold the exit.
  setTimeout(() => process.exit(code), 500).unref();
});
