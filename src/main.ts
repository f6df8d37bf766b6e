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
  const app = await createApp(config);
  await listen(app, config.port);
}

void main();
