import fc from 'fast-check';
import { allShardNames, shardOf, shardedName } from '../../src/core/shard';

describe('shardOf', () => {
  // Stored data lives where these say: a changed hash would lose every sharded key on deploy.
  // sha1('a') = 86f7e437...: 0x86f7e437 = 2264392759, which is 7 mod 8 and mod 16, 1 mod 3.
  test.each([
    ['a', 2, 1],
    ['a', 3, 1],
    ['a', 8, 7],
    ['a', 16, 7],
    ['+9779807969278', 3, 2],
    ['+9779807969278', 8, 0],
    ['+9779812345678', 3, 1],
    ['+9779812345678', 16, 8],
    ['', 8, 6],
    ['', 16, 14],
  ])('%p in %p shards -> %p', (key, shards, expected) => {
    expect(shardOf(key, shards)).toBe(expected);
  });

  test('one shard, or a count below one, is shard 0', () => {
    for (const shards of [1, 0, -1, -8]) expect(shardOf('a', shards)).toBe(0);
  });

  test('always a whole number in [0, shards)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, shards) => {
        const shard = shardOf(key, shards);
        expect(Number.isInteger(shard) && shard >= 0 && shard < shards).toBe(true);
      }),
    );
  });
});

describe('shard names', () => {
  test('a key names its shard after the base', () => {
    expect(shardedName('tips-sent', 'a', 8)).toBe('tips-sent-7');
    expect(shardedName('tips-sent', 'a', 1)).toBe('tips-sent-0');
  });

  test('every shard, numbered from 0; at least one', () => {
    expect(allShardNames('activity', 3)).toEqual(['activity-0', 'activity-1', 'activity-2']);
    expect(allShardNames('activity', 1)).toEqual(['activity-0']);
    expect(allShardNames('activity', 0)).toEqual(['activity-0']);
  });

  test('a key is always in one of all the shards', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 32 }), (key, shards) => {
        expect(allShardNames('m', shards)).toContain(shardedName('m', key, shards));
      }),
    );
  });
});
