import fc from 'fast-check';
import { constantTimeEqual, sha256 } from './constant-time';

describe('constantTimeEqual', () => {
  it('is true exactly when the strings are equal', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => constantTimeEqual(a, b) === (a === b)));
    fc.assert(fc.property(fc.string(), (a) => constantTimeEqual(a, a)));
  });
});

describe('sha256', () => {
  it('gives the hex digest', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
