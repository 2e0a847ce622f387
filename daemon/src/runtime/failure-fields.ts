// The log fields of a failure: its message and, where the error carries one (HalfRepoError's
// hint), its fix. Every failure the daemon logs names its fix when it has one (a review found
// the takeover guard's failures logged without theirs).

export function failureFields(error: unknown): Record<string, string> {
  const hint = (error as { hint?: unknown } | undefined)?.hint;
  const message = error instanceof Error ? error.message : String(error);
  return { error: message, ...(typeof hint === 'string' ? { fix: hint } : {}) };
}
