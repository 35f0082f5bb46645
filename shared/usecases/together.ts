// A read that does not depend on its authorization goes out with it: one round trip instead of two.

/**
 * Sends `read` and `check` at once. The answer is `read`'s, used only once `check` passed: the check's
 * refusal (a 404 to an outsider, a 403) comes first, whatever the read did.
 */
export async function readWhileChecking<T>(check: () => Promise<unknown>, read: () => Promise<T>): Promise<T> {
  const result = read();
  // Judged after the check: until then its failure must not count as unhandled.
  result.catch(() => undefined);
  await check();
  return result;
}
