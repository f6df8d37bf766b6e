import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { documentCacheLifetimeMs } from './cache-lifetime';
import { clientIdUrlProblem } from './client-id-url';
import { DocumentFetchError, fetchMetadataDocument, Resolver } from './metadata-document.fetcher';
import { validateMetadataDocument } from './metadata-document.validator';
import type { RegisteredClient } from './registered-client';

/** Documents kept in memory at most (least recently used dropped first). */
export const MAX_CACHED_DOCUMENTS = 500;

/**
 * Why a client id URL could not be used; `reason` ends a sentence. The message becomes an OAuth
 * `error_description`, so it keeps to the characters RFC 6749 §5.2 allows (no `"` or `\`).
 */
export class MetadataDocumentError extends Error {
  constructor(readonly reason: string) {
    super(`The application's client metadata document could not be used: ${reason.replace(/"/g, "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '')}.`);
    this.name = 'MetadataDocumentError';
  }
}

interface CacheEntry {
  client: RegisteredClient;
  expiresAt: number;
}

/**
 * Clients identified by a Client ID Metadata Document (MCP Authorization 2025-11-25 and
 * 2026-07-28; draft-ietf-oauth-client-id-metadata-document): the `client_id` is an https URL,
 * and the document served there is the client's registration. Documents are fetched SSRF-safe,
 * validated, and kept per instance as their HTTP caching headers allow (≤ 24 h, bounded count);
 * concurrent look-ups of one URL share one fetch. Nothing is stored: every instance reads the
 * document itself, so a change of the document reaches all of them within its cache lifetime.
 */
@Injectable()
export class MetadataDocumentClients implements OnModuleInit {
  private readonly logger = new Logger(MetadataDocumentClients.name);
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<RegisteredClient>>();
  /** Replaced only by unit tests: name resolution without DNS, a smaller cache. */
  resolver?: Resolver;
  maxEntries = MAX_CACHED_DOCUMENTS;

  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    if (this.config.cimdAllowLoopback) {
      this.logger.warn(
        'CIMD_ALLOW_LOOPBACK is on: client metadata documents are fetched from loopback hosts (localhost, 127.0.0.1, [::1]), also over http. Development and tests only.',
      );
    }
  }

  /** The client the document at `clientId` describes; throws MetadataDocumentError with the reason. */
  async resolve(clientId: string): Promise<RegisteredClient> {
    const problem = clientIdUrlProblem(clientId, this.config.cimdAllowLoopback);
    if (problem) throw new MetadataDocumentError(problem);
    const cached = this.cache.get(clientId);
    if (cached && cached.expiresAt > Date.now()) {
      // Map order is the LRU order: move it to the end.
      this.cache.delete(clientId);
      this.cache.set(clientId, cached);
      return cached.client;
    }
    this.cache.delete(clientId);
    let pending = this.inFlight.get(clientId);
    if (!pending) {
      pending = this.load(clientId).finally(() => this.inFlight.delete(clientId));
      this.inFlight.set(clientId, pending);
    }
    return pending;
  }

  private async load(clientId: string): Promise<RegisteredClient> {
    const url = new URL(clientId);
    let fetched;
    try {
      fetched = await fetchMetadataDocument(url, { allowLoopback: this.config.cimdAllowLoopback, resolve: this.resolver });
    } catch (error) {
      if (!(error instanceof DocumentFetchError)) throw error;
      this.logger.warn(`Client metadata document from ${url.host} refused: ${error.message}`);
      throw new MetadataDocumentError(error.message);
    }
    let json: unknown;
    try {
      json = JSON.parse(fetched.body.toString('utf8'));
    } catch {
      throw this.refused(url, 'it is not valid JSON');
    }
    const result = validateMetadataDocument(clientId, json);
    if (!result.ok) throw this.refused(url, result.problem);
    const lifetime = documentCacheLifetimeMs(fetched.headers);
    if (lifetime > 0) {
      this.cache.set(clientId, { client: result.client, expiresAt: Date.now() + lifetime });
      while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    }
    return result.client;
  }

  private refused(url: URL, reason: string): MetadataDocumentError {
    this.logger.warn(`Client metadata document from ${url.host} refused: ${reason}`);
    return new MetadataDocumentError(reason);
  }
}
