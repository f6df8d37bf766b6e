import { EntraEmulator, EmulatorLogger } from './entra-emulator';
import { parseEmulatorArgs, USAGE } from './emulator-cli.args';
import { DEMO_USERS } from './demo-users';

/**
 * `npm run emulator -- --port N [--redirect-uri URI …]`: the emulator on its own.
 * stdout carries only `NAME=value` lines for a server's `.env`; everything else goes to stderr.
 */
const stderrLogger: EmulatorLogger = {
  log: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`warning: ${message}\n`),
  error: (message) => process.stderr.write(`error: ${message}\n`),
};

async function main(): Promise<void> {
  let options;
  try {
    options = parseEmulatorArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options.help) {
    process.stderr.write(USAGE);
    return;
  }
  const emulator = new EntraEmulator({ port: options.port, redirectUris: options.redirectUris, logger: stderrLogger });
  try {
    await emulator.start();
  } catch (error) {
    process.stderr.write(`Cannot start the Entra emulator on port ${options.port}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    [
      `AUTH_AUTHORITY=${emulator.origin}`,
      `AUTH_TENANT_ID=${emulator.tenantId}`,
      `AUTH_CLIENT_ID=${emulator.clientId}`,
      `GRAPH_BASE_URL=${emulator.graphBaseUrl}`,
      '',
    ].join('\n'),
  );
  stderrLogger.log(
    `Entra emulator at ${emulator.origin} (tenant ${emulator.tenantId}), demo users ${DEMO_USERS.map((u) => u.name).join(', ')}; ` +
      `redirect URIs ${options.redirectUris.join(', ')}. Ctrl+C stops it.`,
  );
  const stop = () => void emulator.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
