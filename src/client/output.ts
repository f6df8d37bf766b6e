import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { argFields } from './tool-args';

/** ANSI styling that collapses to plain text when colours are off (not a TTY, or NO_COLOR). */
export class Style {
  constructor(readonly enabled: boolean) {}
  bold = (text: string) => this.wrap(text, 1, 22);
  dim = (text: string) => this.wrap(text, 2, 22);
  red = (text: string) => this.wrap(text, 31, 39);
  green = (text: string) => this.wrap(text, 32, 39);
  yellow = (text: string) => this.wrap(text, 33, 39);
  cyan = (text: string) => this.wrap(text, 36, 39);
  private wrap(text: string, open: number, close: number): string {
    return this.enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  }
}

/** Colours on a terminal only, and never when NO_COLOR is set (no-color.org). */
export function useColour(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** Progress and errors: always on stderr, so stdout carries only results. */
export class Reporter {
  constructor(
    private readonly stream: NodeJS.WritableStream,
    readonly style: Style,
  ) {}
  step(text: string): void {
    this.write(`${this.style.cyan('›')} ${text}`);
  }
  detail(label: string, value: string): void {
    this.write(`    ${this.style.dim(`${label}:`.padEnd(24))} ${value}`);
  }
  line(text = ''): void {
    this.write(text);
  }
  success(text: string): void {
    this.write(`${this.style.green('✔')} ${text}`);
  }
  warn(text: string): void {
    this.write(`${this.style.yellow('!')} ${text}`);
  }
  error(text: string): void {
    this.write(`${this.style.red('✖')} ${text}`);
  }
  private write(text: string): void {
    this.stream.write(`${text}\n`);
  }
}

/** Tools with descriptions and their arguments, as a person reads them. */
export function formatTools(tools: Tool[], style: Style): string {
  if (tools.length === 0) return 'The server offers no tools.\n';
  const blocks = tools.map((tool) => {
    const lines = [style.bold(tool.name)];
    if (tool.description) lines.push(...tool.description.trim().split('\n').map((l) => `  ${l}`));
    const fields = argFields(tool.inputSchema);
    if (fields.length === 0) {
      lines.push(`  ${style.dim('arguments: none')}`);
    } else {
      lines.push(`  ${style.dim('arguments:')}`);
      for (const field of fields) {
        const kind = `${field.type}${field.enum ? ` (${field.enum.map((v) => JSON.stringify(v)).join(' | ')})` : ''}`;
        const need = field.required ? 'required' : 'optional';
        const description = field.description ? `  ${field.description}` : '';
        lines.push(`    ${style.cyan(field.name)}  ${kind}, ${need}${description}`);
      }
    }
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** A tool result as text: its text content, one block per line; other content summarised. */
export function formatToolResult(result: CallToolResult): string {
  const parts = (result.content ?? []).map((block) => {
    switch (block.type) {
      case 'text':
        return block.text;
      case 'image':
      case 'audio':
        return `[${block.type}: ${block.mimeType}, ${Buffer.byteLength(block.data, 'base64')} bytes]`;
      case 'resource':
        return 'text' in block.resource ? block.resource.text : `[resource: ${block.resource.uri}]`;
      case 'resource_link':
        return `[resource link: ${block.uri}]`;
      default:
        return JSON.stringify(block);
    }
  });
  if (parts.length === 0 && result.structuredContent !== undefined) {
    parts.push(JSON.stringify(result.structuredContent, null, 2));
  }
  return parts.length === 0 ? '' : `${parts.join('\n')}\n`;
}

/** `--json`: the whole value, pretty-printed, alone on stdout. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * The `whoami` tool's answer for people: its structured content when it has the
 * usual fields, else the plain result.
 */
export function formatWhoami(result: CallToolResult, style: Style): string {
  const who = result.structuredContent as
    | { name?: unknown; preferredUsername?: unknown; oid?: unknown; tid?: unknown; clientId?: unknown; scopes?: unknown }
    | undefined;
  if (!who || typeof who.name !== 'string') return formatToolResult(result);
  const lines = [`Signed in as ${style.bold(who.name)}${typeof who.preferredUsername === 'string' ? ` <${who.preferredUsername}>` : ''}`];
  const facts: [string, unknown][] = [
    ['user id', who.oid],
    ['tenant id', who.tid],
    ['client id', who.clientId],
    ['scopes', Array.isArray(who.scopes) ? who.scopes.join(' ') : undefined],
  ];
  for (const [label, value] of facts) {
    if (typeof value === 'string' && value) lines.push(`  ${style.dim(`${label}:`.padEnd(11))} ${value}`);
  }
  return `${lines.join('\n')}\n`;
}
