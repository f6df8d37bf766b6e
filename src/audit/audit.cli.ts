import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from '../config/load-config';
import { readEnvironment } from '../config/read-environment';
import { createStore } from '../store/store.module';
import { AUDIT_USAGE, parseAuditQueryArgs } from './audit-query.args';
import { AuditTrail } from './audit-trail';

/**
 * `npm run audit -- [--oid …] [--client …] [--event …] [--limit N]` (or `node dist/audit/audit.cli.js`
 * in the image): the stored audit records, newest first, as JSON lines on stdout. Messages go to stderr.
 */
async function main(): Promise<number> {
  let query;
  try {
    query = parseAuditQueryArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${AUDIT_USAGE}`);
    return 2;
  }
  if (query.help) {
    process.stderr.write(AUDIT_USAGE);
    return 0;
  }
  let config;
  try {
    config = loadConfig(readEnvironment());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration\n${error.problems.map((p) => `  ${p}\n`).join('')}`);
    return 1;
  }
  if (config.auditLog !== 'store') {
    process.stderr.write('AUDIT_LOG is not "store": audit events go to the log only, and nothing is kept to query.\n');
    return 1;
  }
  Logger.overrideLogger(false);
  const store = createStore(config);
  try {
    const { help: _help, ...filter } = query;
    for (const record of await new AuditTrail(store, config).query(filter)) process.stdout.write(`${JSON.stringify(record)}\n`);
    return 0;
  } finally {
    await store.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`The audit records could not be read: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
