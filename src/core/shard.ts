/**
 * Sharding for hot Sync objects: Sync allows about 20 writes/s per object (a whole Map is
 * one object), so hot maps and counters are split into SYNC_SHARDS objects by a stable
 * hash of the key. Same key -> same shard on every instance.
 */
import { createHash } from 'node:crypto';

export function shardOf(key: string, shards: number): number {
  // One shard, or none configured: everything is in shard 0.
  if (shards < 2) return 0;
  // First 4 bytes of SHA-1: stable across processes and evenly spread; not security-relevant.
  return createHash('sha1').update(key).digest().readUInt32BE(0) % shards;
}

export function shardedName(base: string, key: string, shards: number): string {
  return `${base}-${shardOf(key, shards)}`;
}

export function allShardNames(base: string, shards: number): string[] {
  return Array.from({ length: Math.max(1, shards) }, (_, i) => `${base}-${i}`);
}
