import type { ElicitRequest, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { Reporter } from './output';

/**
 * The console client's answer to a server's `elicitation/create` (MCP 2025-11-25 form mode).
 * The console does not ask the user field by field: it shows the server's message on stderr and
 * accepts with the schema's defaults (the SDK fills them in, SEP-1034, declared as
 * `elicitation.form.applyDefaults`) when every required field has one; otherwise, and for
 * URL-mode requests, it declines, saying why, so nothing is sent that the user did not see.
 */
export function answerElicitation(params: ElicitRequest['params'], reporter: Reporter): ElicitResult {
  reporter.step(`The server asks: ${params.message}`);
  if (params.mode === 'url' || !('requestedSchema' in params)) {
    reporter.warn('Declined: the console client does not open links a server asks for.');
    return { action: 'decline' };
  }
  const { properties, required = [] } = params.requestedSchema;
  const missing = required.filter((name) => (properties[name] as { default?: unknown } | undefined)?.default === undefined);
  if (missing.length > 0) {
    reporter.warn(`Declined: the console client answers only with the form's defaults, and ${missing.join(', ')} has none.`);
    return { action: 'decline' };
  }
  const defaults = Object.entries(properties).filter(([, schema]) => (schema as { default?: unknown }).default !== undefined);
  reporter.step(`Accepted with the form's defaults${defaults.length ? ` (${defaults.map(([name]) => name).join(', ')})` : ''}.`);
  return { action: 'accept', content: {} };
}
