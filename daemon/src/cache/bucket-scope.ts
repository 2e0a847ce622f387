// Which hash buckets of a flow cache an operation covers: all of them (a full resync) or a
// sorted list (a targeted repair after anti-entropy or a resend-queue overflow).

export type BucketScope =
  | { readonly full: true }
  | { readonly full: false; readonly buckets: readonly number[] };

export const FULL_SCOPE: BucketScope = { full: true };

export function bucketScope(buckets: Iterable<number>): BucketScope {
  return { full: false, buckets: [...new Set(buckets)].sort((a, b) => a - b) };
}

export function scopeIncludes(scope: BucketScope, bucket: number): boolean {
  if (scope.full) return true;
  // Sorted list: binary search.
  let low = 0;
  let high = scope.buckets.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const value = scope.buckets[mid] as number;
    if (value === bucket) return true;
    if (value < bucket) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

/** True when every bucket of `inner` is in `outer`. */
export function scopeCovers(outer: BucketScope, inner: BucketScope): boolean {
  if (outer.full) return true;
  if (inner.full) return false;
  return inner.buckets.every((bucket) => scopeIncludes(outer, bucket));
}

export function scopeBuckets(scope: BucketScope, bucketCount: number): readonly number[] {
  return scope.full ? Array.from({ length: bucketCount }, (_, i) => i) : scope.buckets;
}
