import type { IncomingHttpHeaders } from 'node:http';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { isPlainToolResult, matchFastToolCall } from './tool-call-fast-path';

const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'spec', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
const MODERN_HEADERS = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' };
const LEGACY_HEADERS = { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' };

const modernBody = (params: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'whoami', arguments: {}, _meta: ENVELOPE, ...params },
  ...top,
});
const legacyBody = (params: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami', arguments: {}, ...params }, ...top });

const isTool = (name: string) => name === 'whoami';
const match = (headers: IncomingHttpHeaders, body: unknown) => matchFastToolCall(headers, body, isTool);

describe('matchFastToolCall', () => {
  it('takes a 2026-07-28 tools/call with its envelope and matching standard headers', () => {
    expect(match(MODERN_HEADERS, modernBody())).toEqual({ era: 'modern', id: 1, name: 'whoami', args: {} });
  });

  it.each(['2025-11-25', '2025-06-18', '2025-03-26'])('takes a %s tools/call without an envelope', (version) => {
    expect(match({ ...LEGACY_HEADERS, 'mcp-protocol-version': version }, legacyBody())).toEqual({ era: 'legacy', id: 1, name: 'whoami', args: {} });
  });

  it('takes string ids and absent arguments', () => {
    expect(match(LEGACY_HEADERS, legacyBody({ arguments: undefined }, { id: 'a' }))).toEqual({ era: 'legacy', id: 'a', name: 'whoami', args: undefined });
  });

  const { 'mcp-method': _method, ...withoutMethod } = MODERN_HEADERS;
  const { 'mcp-name': _name, ...withoutName } = MODERN_HEADERS;
  const { 'mcp-protocol-version': _version, ...withoutVersion } = MODERN_HEADERS;
  const { 'io.modelcontextprotocol/clientInfo': _clientInfo, ...envelopeWithoutClientInfo } = ENVELOPE;

  it.each<[string, IncomingHttpHeaders, unknown]>([
    ['not an object', MODERN_HEADERS, [modernBody()]],
    ['another method', { ...MODERN_HEADERS, 'mcp-method': 'tools/list' }, { ...modernBody(), method: 'tools/list' }],
    ['a notification (no id)', MODERN_HEADERS, { ...modernBody(), id: undefined }],
    ['a null id', MODERN_HEADERS, modernBody({}, { id: null })],
    ['a fractional id', MODERN_HEADERS, modernBody({}, { id: 1.5 })],
    ['another top-level key', MODERN_HEADERS, modernBody({}, { extra: true })],
    ['another params key (task augmentation)', MODERN_HEADERS, modernBody({ task: { ttl: 1000 } })],
    ['an unknown tool', { ...MODERN_HEADERS, 'mcp-name': 'other' }, modernBody({ name: 'other' })],
    ['arguments that are not an object', MODERN_HEADERS, modernBody({ arguments: [1] })],
    ['a progress token', MODERN_HEADERS, modernBody({ _meta: { ...ENVELOPE, progressToken: 1 } })],
    ['an envelope without clientInfo', MODERN_HEADERS, modernBody({ _meta: envelopeWithoutClientInfo })],
    ['no Mcp-Method header', withoutMethod, modernBody()],
    ['no Mcp-Name header', withoutName, modernBody()],
    ['no MCP-Protocol-Version header', withoutVersion, modernBody()],
    ['an Mcp-Name that differs from the body', { ...MODERN_HEADERS, 'mcp-name': 'get_user_name' }, modernBody()],
    ['a Base64 Mcp-Name', { ...MODERN_HEADERS, 'mcp-name': '=?base64?d2hvYW1p?=' }, modernBody()],
    ['a header version that differs from the envelope', { ...MODERN_HEADERS, 'mcp-protocol-version': '2025-11-25' }, modernBody()],
    ['a session id', { ...MODERN_HEADERS, 'mcp-session-id': 's' }, modernBody()],
  ])('leaves a 2026-07-28 request with %s to the SDK', (_case, headers, body) => {
    expect(match(headers, body)).toBeUndefined();
  });

  it.each<[string, IncomingHttpHeaders, unknown]>([
    ['no MCP-Protocol-Version header', { accept: LEGACY_HEADERS.accept }, legacyBody()],
    ['a revision before 2025-03-26', { ...LEGACY_HEADERS, 'mcp-protocol-version': '2024-11-05' }, legacyBody()],
    ['an Accept without text/event-stream', { ...LEGACY_HEADERS, accept: 'application/json' }, legacyBody()],
    ['no Accept', { 'mcp-protocol-version': '2025-11-25' }, legacyBody()],
    ['a _meta (a progress token)', LEGACY_HEADERS, legacyBody({ _meta: { progressToken: 1 } })],
    ['an Mcp-Method header', { ...LEGACY_HEADERS, 'mcp-method': 'tools/call' }, legacyBody()],
    ['a session id', { ...LEGACY_HEADERS, 'mcp-session-id': 's' }, legacyBody()],
    ['an initialize', LEGACY_HEADERS, { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }],
  ])('leaves a 2025-era request with %s to the SDK', (_case, headers, body) => {
    expect(match(headers, body)).toBeUndefined();
  });
});

describe('isPlainToolResult', () => {
  it.each<[string, unknown]>([
    ['text', { content: [{ type: 'text', text: 'hi' }] }],
    ['text with structured content', { content: [{ type: 'text', text: '{}' }], structuredContent: { a: 1 } }],
    ['a tool error', { content: [{ type: 'text', text: 'no' }], isError: true }],
    ['no content blocks', { content: [] }],
  ])('is true for %s', (_case, result) => {
    expect(isPlainToolResult(result as CallToolResult)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['an image', { content: [{ type: 'image', data: 'AA==', mimeType: 'image/png' }] }],
    ['annotated text', { content: [{ type: 'text', text: 'hi', annotations: { priority: 1 } }] }],
    ['structured content that is an array', { content: [], structuredContent: [1] }],
    ['structured content that is a class instance', { content: [], structuredContent: new Date(0) }],
    ['its own _meta', { content: [], _meta: { a: 1 } }],
    ['a resultType', { content: [], resultType: 'input_required' }],
    ['no content', { structuredContent: {} }],
    ['a non-boolean isError', { content: [], isError: 'yes' }],
  ])('is false for %s', (_case, result) => {
    expect(isPlainToolResult(result as CallToolResult)).toBe(false);
  });
});
