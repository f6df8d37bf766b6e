import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JsonStore } from '../store/json-store';
import { Store } from '../store/store.port';
import type { AuditEventName, AuditFields, AuditRecord } from './audit-event';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The sequence counter outlives every record it numbers. */
const SEQUENCE_TTL_MS = 100 * 365 * DAY_MS;
const SEQUENCE_KEY = 'audit-seq';
/** A query reads at most this many of the latest records. */
export const MAX_AUDIT_QUERY = 1000;
const MAX_CONSECUTIVE_MISSES = 20;

export interface AuditQuery {
  oid?: string;
  clientId?: string;
  event?: AuditEventName;
  /** Newest first; at most MAX_AUDIT_QUERY records are examined. */
  limit?: number;
}

/**
 * The audit trail: one structured log line per event, all under the logger context `Audit`
 * with the event name as `msg`; with AUDIT_LOG=store each event is also kept in the store
 * under a sequence number (`audit:<seq>`) for AUDIT_RETENTION_DAYS, and can be queried.
 *
 * Recording never fails the action it records: a store failure is logged (the log line is
 * written first in any case).
 */
@Injectable()
export class AuditTrail {
  private readonly logger = new Logger('Audit');
  private readonly records: JsonStore<AuditRecord>;
  private readonly retentionMs: number;

  constructor(
    private readonly store: Store,
    private readonly config: AppConfig,
  ) {
    this.records = new JsonStore<AuditRecord>(store, 'audit');
    this.retentionMs = config.auditRetentionDays * DAY_MS;
  }

  get keepsRecords(): boolean {
    return this.config.auditLog === 'store';
  }

  async record(event: AuditEventName, fields: AuditFields): Promise<void> {
    const record: AuditRecord = { event, at: new Date().toISOString(), ...definedOnly(fields) };
    this.logger.log({ msg: event, audit: true, ...definedOnly(fields) });
    if (!this.keepsRecords) return;
    try {
      const { count: seq } = await this.store.increment(SEQUENCE_KEY, SEQUENCE_TTL_MS);
      await this.records.set(String(seq), { ...record, seq }, this.retentionMs);
    } catch (error) {
      this.logger.error({ msg: 'Audit record could not be stored', event, error: error instanceof Error ? error.name : typeof error });
    }
  }

  /** The latest stored records matching `query`, newest first (empty unless AUDIT_LOG=store). */
  async query(query: AuditQuery = {}): Promise<AuditRecord[]> {
    if (!this.keepsRecords) return [];
    const head = Number((await this.store.get(SEQUENCE_KEY)) ?? 0);
    const limit = Math.min(query.limit ?? 100, MAX_AUDIT_QUERY);
    const out: AuditRecord[] = [];
    const oldest = Math.max(1, head - MAX_AUDIT_QUERY + 1);
    let misses = 0;
    for (let seq = head; seq >= oldest && out.length < limit; seq--) {
      const record = await this.records.get(String(seq));
      // A gap is a record still being written; a run of them is the retention limit (everything older is gone too).
      if (!record) {
        if (++misses >= MAX_CONSECUTIVE_MISSES) break;
        continue;
      }
      misses = 0;
      if (query.oid !== undefined && record.oid !== query.oid) continue;
      if (query.clientId !== undefined && record.clientId !== query.clientId) continue;
      if (query.event !== undefined && record.event !== query.event) continue;
      out.push(record);
    }
    return out;
  }
}

function definedOnly(fields: AuditFields): AuditFields {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as AuditFields;
}
