import { createApp, listen } from './bootstrap';
import { ConfigError, loadConfig } from './config/load-config';
import { readEnvironment } from './config/read-environment';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigError) {
      // The logger is not configured yet: configuration problems go to stderr, one line each.
      process.stderr.write(`Cannot start: invalid configuration\n${error.problems.map((p) => `  ${p}\n`).join('')}`);
      process.exit(1);
    }
    throw error;
  }
  try {
    const app = await createApp(config);
    await listen(app, config.port);
  } catch (error) {
    // Start-up failures (store unreachable or refusing us, DATA_DIR not writable, port taken) in one line, no stack.
    process.stderr.write(`Cannot start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

void main();
