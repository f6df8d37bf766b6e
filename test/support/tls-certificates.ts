import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

export interface TestCertificates {
  dir: string;
  /** PEM of the throwaway CA that signed the server certificate. */
  ca: string;
  cert: string;
  key: string;
}

/**
 * A throwaway CA and a server certificate for `localhost` / 127.0.0.1, made with
 * openssl at test time (nothing secret is committed).
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'test-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'));
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', file('server.key'), '-out', file('server.csr'));
  writeFileSync(file('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', file('ext.cnf'), '-out', file('server.pem'));
  return { dir, ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') };
}

/**
 * A `fetch` for the test process that trusts `caFile` (the throwaway CA) for https URLs, the way
 * NODE_EXTRA_CA_CERTS makes a spawned process trust it: the test runner's own fetch only trusts the
 * system CAs and cannot be told otherwise on Node 20. Redirects are never followed (callers here
 * use `redirect: 'manual'`); bodies stream, so SSE works. Plain http goes to the ordinary fetch.
 */
export function fetchTrustingCa(caFile: string): typeof fetch {
  const agent = new HttpsAgent({ ca: readFileSync(caFile) });
  const plainFetch = globalThis.fetch;
  return async (input, init) => {
    const request = new Request(input, init);
    if (new URL(request.url).protocol !== 'https:') return plainFetch(input, init);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    return new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(request.url, { method: request.method, headers, agent, signal: request.signal }, (res) => {
        const responseHeaders = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const status = res.statusCode ?? 502;
        const noBody = [101, 204, 205, 304].includes(status) || request.method === 'HEAD';
        if (noBody) res.resume();
        const stream = noBody ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status, statusText: res.statusMessage, headers: responseHeaders }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  };
}
