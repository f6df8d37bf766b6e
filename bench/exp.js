'use strict';
const http = require('node:http');
const { createMcpHandler, Server } = require('@modelcontextprotocol/server');
const { toNodeHandler } = require('@modelcontextprotocol/node');
const V = process.env.V;
const handler = createMcpHandler(() => {
  const server = new Server({ name: 'x', version: '1' }, { capabilities: { tools: { listChanged: false } } });
  server.setRequestHandler('tools/list', () => ({ tools: [{ name: 'whoami', inputSchema: { type: 'object' } }] }));
  server.setRequestHandler('tools/call', (req, ctx) => server.projectCallToolResult({ content: [{ type: 'text', text: JSON.stringify({ c: ctx.http?.authInfo?.clientId }) }] }, undefined));
  return server;
}, { legacy: 'stateless' });
const serve = toNodeHandler(handler);
const auth = { token: '', clientId: 'c', scopes: ['mcp:tools'] };
http.createServer((req, res) => {
  if (V === 'node') { req.auth = auth; serve(req, res).catch(() => res.writeHead(500).end()); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const headers = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) headers.push([raw[i], raw[i + 1]]);
    const ac = V === 'nosignal' ? undefined : new AbortController();
    const request = new Request('http://localhost/mcp', { method: 'POST', headers, ...(ac ? { signal: ac.signal } : {}) });
    const response = await handler.fetch(request, { parsedBody: body, authInfo: auth });
    const out = {};
    response.headers.forEach((v, k) => (out[k] = v));
    if (out['content-type'] === 'application/json') { const text = await response.text(); res.writeHead(response.status, out).end(text); }
    else { res.writeHead(response.status, out); for await (const c of response.body) res.write(c); res.end(); }
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
