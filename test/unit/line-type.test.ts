import { lineTypeCanReceiveSms } from '../../src/core/line-type';

describe('lineTypeCanReceiveSms', () => {
  // Lookup's line type intelligence values; unknown (no answer) gets the benefit of the doubt.
  test.each([
    [undefined, true],
    ['mobile', true],
    ['nonFixedVoip', true],
    ['landline', false],
    ['fixedVoip', false],
    ['tollFree', false],
    ['pager', false],
    ['voicemail', false],
    ['', false],
    ['Mobile', false],
  ])('%p -> %p', (lineType, expected) => {
    expect(lineTypeCanReceiveSms(lineType)).toBe(expected);
  });
});
