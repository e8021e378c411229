import { describe, expect, it } from 'vitest';
import { addTags } from './tags.js';

describe('addTags', () => {
  it('splits on commas, spaces and new lines and trims', () => {
    expect(addTags([], ' alice, bob\ncarol  dave ')).toEqual(['alice', 'bob', 'carol', 'dave']);
  });
  it('ignores duplicates and empty entries', () => {
    expect(addTags(['alice'], 'alice,,bob,bob')).toEqual(['alice', 'bob']);
  });
  it('returns the same array when nothing changes', () => {
    const current = ['a'];
    expect(addTags(current, ' , a ')).toBe(current);
  });
});
