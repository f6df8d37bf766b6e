import { parseArgs } from 'node:util';
import { AUDIT_EVENTS, AuditEventName } from './audit-event';
import { AuditQuery, MAX_AUDIT_QUERY } from './audit-trail';

export const AUDIT_USAGE = `Usage: npm run audit -- [--oid <user object id>] [--client <client id>] [--event <name>] [--limit <n>]

Prints the stored audit records (AUDIT_LOG=store), newest first, one JSON object per line.
Reads the same configuration as the server (.env, then the environment): DATA_DIR or REDIS_URL.
Events: ${AUDIT_EVENTS.join(', ')}. --limit: 1..${MAX_AUDIT_QUERY} (default 100).
`;

/** The command line of the audit query command; throws with one readable sentence on bad input. */
export function parseAuditQueryArgs(argv: string[]): AuditQuery & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      oid: { type: 'string' },
      client: { type: 'string' },
      event: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.event !== undefined && !(AUDIT_EVENTS as readonly string[]).includes(values.event)) {
    throw new Error(`--event must be one of ${AUDIT_EVENTS.join(', ')} (got "${values.event}").`);
  }
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || limit < 1 || limit > MAX_AUDIT_QUERY) throw new Error(`--limit must be a whole number from 1 to ${MAX_AUDIT_QUERY} (got "${values.limit}").`);
  }
  return {
    help: values.help ?? false,
    ...(values.oid !== undefined ? { oid: values.oid } : {}),
    ...(values.client !== undefined ? { clientId: values.client } : {}),
    ...(values.event !== undefined ? { event: values.event as AuditEventName } : {}),
    ...(limit !== undefined ? { limit } : {}),
  };
}
