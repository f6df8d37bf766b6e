import { lookup as dnsLookup } from 'node:dns/promises';
import http, { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import { AddressClass, classifyAddress } from './address-policy';
import { isLoopbackHost } from '../config/loopback';

/** draft-ietf-oauth-client-id-metadata-document §6: bound what a client can make this server download. */
export const MAX_DOCUMENT_BYTES = 10 * 1024;
export const DOCUMENT_FETCH_TIMEOUT_MS = 5_000;

export interface ResolvedAddress {
  address: string;
  family: number;
}
/** DNS resolution: every address of the name (the default uses the system resolver, as connections do). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface FetchOptions {
  /** CIMD_ALLOW_LOOPBACK: a loopback host (`localhost`, `127.0.0.1`, `[::1]`) may serve documents. */
  allowLoopback: boolean;
  resolve?: Resolver;
  timeoutMs?: number;
  maxBytes?: number;
}

export interface FetchedDocument {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A document that could not be fetched; `message` ends a sentence ("… could not be used: <message>"). */
export class DocumentFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentFetchError';
  }
}

const ADDRESS_WORDS: Record<Exclude<AddressClass, 'public'>, string> = {
  unspecified: 'an unspecified',
  loopback: 'a loopback',
  private: 'a private',
  'carrier-grade NAT': 'a carrier-grade NAT',
  'link-local': 'a link-local (cloud metadata)',
  multicast: 'a multicast',
  reserved: 'a reserved',
};

const defaultResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * GETs a client metadata document, SSRF-safe (draft-ietf-oauth-client-id-metadata-document §6.5,
 * OWASP SSRF prevention): the host's addresses are resolved here and every one must be public
 * (no loopback, private, CGNAT, link-local/metadata, multicast, reserved; IPv4-mapped IPv6 judged
 * as IPv4); the connection goes to the address that was checked (a `lookup` that returns it, so
 * DNS cannot change between check and connect), while TLS still verifies the certificate for the
 * host name (SNI); redirects are not followed; one deadline covers DNS, connect and body; the body
 * is cut off as soon as it passes `maxBytes`.
 */
export async function fetchMetadataDocument(url: URL, options: FetchOptions): Promise<FetchedDocument> {
  const timeoutMs = options.timeoutMs ?? DOCUMENT_FETCH_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? MAX_DOCUMENT_BYTES;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DocumentFetchError(`its server did not answer within ${timeoutMs / 1000} seconds`)), timeoutMs);
  });
  const controller = new AbortController();
  try {
    return await Promise.race([deadline, fetchChecked(url, options, maxBytes, controller.signal)]);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

async function fetchChecked(url: URL, options: FetchOptions, maxBytes: number, signal: AbortSignal): Promise<FetchedDocument> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const loopbackAllowed = options.allowLoopback && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopbackAllowed)) throw new DocumentFetchError('its client_id URL does not use https');

  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await (options.resolve ?? defaultResolver)(host);
    } catch {
      throw new DocumentFetchError(`its host ${url.hostname} could not be found`);
    }
    if (addresses.length === 0) throw new DocumentFetchError(`its host ${url.hostname} could not be found`);
  }
  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    if (kind === 'public' || (kind === 'loopback' && loopbackAllowed)) continue;
    throw new DocumentFetchError(`its host ${url.hostname} is ${ADDRESS_WORDS[kind]} address, which this server does not fetch from`);
  }
  const target = addresses.find((a) => a.family === 4) ?? addresses[0]!;
  return request(url, target, maxBytes, signal);
}

function request(url: URL, target: ResolvedAddress, maxBytes: number, signal: AbortSignal): Promise<FetchedDocument> {
  // Whatever the resolver would say now, connect to the address that was checked.
  const pinned: LookupFunction = (_hostname, opts, callback) => {
    if (opts.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<FetchedDocument>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'GET',
        headers: { Accept: 'application/json', 'User-Agent': 'mcp-entra-server (client metadata document fetch)' },
        lookup: pinned,
        agent: false,
        signal,
      },
      (res) => readResponse(res, maxBytes).then(resolve, reject),
    );
    req.on('error', (error: NodeJS.ErrnoException) => reject(signal.aborted ? new DocumentFetchError('the request was cancelled') : describeNetworkError(error)));
    req.end();
  });
}

async function readResponse(res: IncomingMessage, maxBytes: number): Promise<FetchedDocument> {
  const status = res.statusCode ?? 0;
  const fail = (message: string) => {
    res.destroy();
    return new DocumentFetchError(message);
  };
  if (status >= 300 && status < 400) throw fail(`its server answered with a redirect (HTTP ${status}), and redirects are not followed`);
  if (status !== 200) throw fail(`its server answered HTTP ${status} instead of 200`);
  const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    const shown = /^[a-z0-9.+-]{1,40}\/[a-z0-9.+-]{1,60}$/.test(type) ? `its Content-Type is ${type}` : 'its Content-Type is missing or malformed';
    throw fail(`it is not JSON (${shown})`);
  }
  const tooLarge = () => fail(`it is larger than ${maxBytes / 1024} KB`);
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof DocumentFetchError) throw error;
    throw new DocumentFetchError('its server closed the connection before the document was complete');
  }
  return { headers: res.headers, body: Buffer.concat(chunks) };
}

function describeNetworkError(error: NodeJS.ErrnoException): DocumentFetchError {
  const code = error.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|ERR_TLS/.test(code)) return new DocumentFetchError('its server\'s TLS certificate could not be verified');
  if (code === 'ECONNREFUSED') return new DocumentFetchError('its server refused the connection');
  if (code === 'ENOTFOUND') return new DocumentFetchError('its host could not be found');
  return new DocumentFetchError('its server could not be reached');
}
