/**
 * A local web server for Client ID Metadata Document tests: serves JSON (or anything else) at
 * paths the test sets, over http, or https with a self-signed certificate made at test time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireOrSkip } from './requirements';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DocumentServer {
  /** e.g. `http://127.0.0.1:41234` or `https://localhost:41234`. */
  origin: string;
  url(path: string): string;
  serve(path: string, handler: Handler): void;
  /** Serves `body` as `application/json` (with optional extra headers). */
  serveJson(path: string, body: unknown, headers?: Record<string, string>): void;
  /** How many requests reached `path`. */
  hits(path: string): number;
  close(): Promise<void>;
}

export interface Certificate {
  key: string;
  cert: string;
  /** The certificate as a PEM file (for NODE_EXTRA_CA_CERTS). */
  certFile: string;
  remove(): void;
}

export function opensslAvailable(): boolean {
  return existsSync('/usr/bin/openssl') || existsSync('/usr/local/bin/openssl');
}

/** A self-signed certificate for `localhost` and `127.0.0.1` (openssl), or null after a loud skip. */
export function selfSignedCertificate(): Certificate | null {
  if (!requireOrSkip('openssl', opensslAvailable(), 'install it with "apt-get install -y openssl"')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'cimd-cert-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startDocumentServer(options: { tls?: Certificate; hostname?: 'localhost' | '127.0.0.1' } = {}): Promise<DocumentServer> {
  const handlers = new Map<string, Handler>();
  const counts = new Map<string, number>();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const handler = handlers.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  };
  const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://${options.hostname ?? (options.tls ? 'localhost' : '127.0.0.1')}:${port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    serve: (path, handler) => handlers.set(path, handler),
    serveJson: (path, body, headers = {}) =>
      handlers.set(path, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      }),
    hits: (path) => counts.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
