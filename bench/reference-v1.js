'use strict';
/**
 * Reference shape for 2025-era MCP with SDK v1 (1.32, zod 4): Express, the SDK's
 * `requireBearerAuth` with a verifier over an in-memory map, and the stateless idiom (a new
 * `McpServer` + `StreamableHTTPServerTransport` with `sessionIdGenerator: undefined` per
 * request) with one trivial tool.
 *
 * Environment: PORT, BENCH_TOKEN (the only accepted bearer token).
 */
const express = require('express');
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { requireBearerAuth } = require('@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js');
const { InvalidTokenError } = require('@modelcontextprotocol/sdk/server/auth/errors.js');
const { z } = require('zod');

const tokens = new Map([[process.env.BENCH_TOKEN, { clientId: 'bench-client', scopes: ['mcp:tools'] }]]);
const verifier = {
  async verifyAccessToken(token) {
    const info = tokens.get(token);
    if (!info) throw new InvalidTokenError('Unknown token');
    return { token, clientId: info.clientId, scopes: info.scopes, expiresAt: Math.floor(Date.now() / 1000) + 3600 };
  },
};

function buildServer() {
  const server = new McpServer({ name: 'reference-v1', version: '1.0.0' });
  server.registerTool('whoami', { description: 'Who is calling', inputSchema: z.object({}) }, (_args, extra) => ({
    content: [{ type: 'text', text: JSON.stringify({ clientId: extra.authInfo?.clientId }) }],
  }));
  return server;
}

const app = express();
app.use(express.json());
app.post('/mcp', requireBearerAuth({ verifier }), async (req, res) => {
  const server = buildServer();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => {
    transport.close();
    server.close();
  });
  try {
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  } catch {
    if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal server error' }, id: null });
  }
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
