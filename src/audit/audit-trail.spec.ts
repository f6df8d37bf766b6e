import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MemoryStore } from '../store/memory.store';
import { AuditTrail } from './audit-trail';

const config = (auditLog: 'log' | 'store', auditRetentionDays = 90) => Object.assign(new AppConfig(), { auditLog, auditRetentionDays });

describe('AuditTrail', () => {
  afterEach(() => jest.restoreAllMocks());

  it('writes one structured log line per event under the logger context "Audit", the event name as msg', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(function (this: Logger) {
      return undefined;
    });
    await new AuditTrail(new MemoryStore(), config('log')).record('grant.revoked', { oid: 'o-1', clientId: 'c-1', grantId: 'g-1', by: 'user', tool: undefined });
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.contexts[0]).toMatchObject({ context: 'Audit' });
    expect(log.mock.calls[0]![0]).toEqual({ msg: 'grant.revoked', audit: true, oid: 'o-1', clientId: 'c-1', grantId: 'g-1', by: 'user' });
  });

  it('keeps nothing in the store with AUDIT_LOG=log', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const store = new MemoryStore();
    const trail = new AuditTrail(store, config('log'));
    await trail.record('consent.given', { clientId: 'c-1' });
    expect(await store.get('audit:1')).toBeNull();
    expect(await trail.query()).toEqual([]);
  });

  it('with AUDIT_LOG=store, answers queries newest first, filtered by user, client or event', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const trail = new AuditTrail(new MemoryStore(), config('store'));
    await trail.record('consent.given', { clientId: 'c-1' });
    await trail.record('grant.created', { oid: 'o-1', clientId: 'c-1', grantId: 'g-1' });
    await trail.record('grant.created', { oid: 'o-2', clientId: 'c-2', grantId: 'g-2' });
    await trail.record('tool_call.denied', { oid: 'o-2', clientId: 'c-2', tool: 't', missingRoles: ['Tools.Admin'] });
    expect((await trail.query()).map((r) => r.seq)).toEqual([4, 3, 2, 1]);
    expect((await trail.query({ oid: 'o-2' })).map((r) => r.event)).toEqual(['tool_call.denied', 'grant.created']);
    expect((await trail.query({ clientId: 'c-1' })).map((r) => r.event)).toEqual(['grant.created', 'consent.given']);
    expect((await trail.query({ event: 'grant.created', limit: 1 })).map((r) => r.oid)).toEqual(['o-2']);
  });

  it('forgets records after AUDIT_RETENTION_DAYS', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    let now = 1_800_000_000_000;
    const trail = new AuditTrail(new MemoryStore(() => now), config('store', 1));
    await trail.record('consent.given', { clientId: 'old' });
    now += 23 * 3600 * 1000;
    await trail.record('consent.given', { clientId: 'new' });
    now += 2 * 3600 * 1000;
    expect((await trail.query()).map((r) => r.clientId)).toEqual(['new']);
  });

  it('never fails the action it records when the store cannot keep the record (the log line is written first)', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = new MemoryStore();
    jest.spyOn(store, 'increment').mockRejectedValue(new Error('down'));
    await expect(new AuditTrail(store, config('store')).record('consent.denied', { clientId: 'c' })).resolves.toBeUndefined();
    expect(error).toHaveBeenCalled();
  });
});
