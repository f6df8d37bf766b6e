import { parseAuditQueryArgs } from './audit-query.args';

describe('npm run audit (arguments)', () => {
  it('reads the filters and the limit', () => {
    expect(parseAuditQueryArgs(['--oid', 'o-1', '--client', 'c-1', '--event', 'grant.revoked', '--limit', '20'])).toEqual({
      help: false,
      oid: 'o-1',
      clientId: 'c-1',
      event: 'grant.revoked',
      limit: 20,
    });
    expect(parseAuditQueryArgs([])).toEqual({ help: false });
  });

  it.each([
    [['--event', 'grant.deleted'], /--event must be one of consent.given, .*tool_call.denied \(got "grant.deleted"\)/],
    [['--limit', '0'], /--limit must be a whole number from 1 to 1000/],
    [['--limit', '1e3'], /--limit must be a whole number/],
    [['--unknown'], /Unknown option '--unknown'/],
  ])('refuses %j with one clear sentence', (argv, message) => {
    expect(() => parseAuditQueryArgs(argv)).toThrow(message);
  });
});
