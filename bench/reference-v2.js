'use strict';
/**
 * Reference shape for MCP 2026-07-28 with SDK v2: node:http, a bearer check against an
 * in-memory map, `createMcpHandler` building an `McpServer` with one trivial tool per
 * request, `toNodeHandler` for the Node<->Web conversion. This is what the SDK's own
 * documentation leads a developer to write; the bench compares this server with it.
 *
 * Environment: PORT, BENCH_TOKEN (the only accepted bearer token).
 */
const http = require('node:http');
const { createMcpHandler, McpServer } = require('@modelcontextprotocol/server');
const { toNodeHandler } = require('@modelcontextprotocol/node');

const tokens = new Map([[process.env.BENCH_TOKEN, { clientId: 'bench-client', scopes: ['mcp:tools'] }]]);

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'reference-v2', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who is calling' }, (ctx) => ({
    content: [{ type: 'text', text: JSON.stringify({ clientId: ctx.http?.authInfo?.clientId }) }],
  }));
  return server;
});
const serve = toNodeHandler(handler);

http
  .createServer((req, res) => {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const info = match ? tokens.get(match[1]) : undefined;
    if (!info) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    req.auth = { token: match[1], clientId: info.clientId, scopes: info.scopes, expiresAt: Math.floor(Date.now() / 1000) + 3600 };
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
