// How many tests a step's output says passed, failed and were skipped, for `npm test`'s closing line.

/**
 * node:test's spec reporter ends with "ℹ pass N" / "ℹ fail N" (the TAP one with "# pass N"); its summary
 * counts skipped tests but not skipped suites, so skips are read from the "﹣ name (… ms) # reason" lines
 * it prints for each skipped suite or test instead, with their names. Other runners end with a plain
 * "N passed, N failed" line.
 */
export function countsOf(output, typecheckCode = null) {
  if (typecheckCode !== null) return { passed: typecheckCode === 0 ? 1 : 0, failed: typecheckCode === 0 ? 0 : 1, skipped: [] };
  const skipped = [...output.matchAll(/^\s*﹣ (.+?) \([\d.]+ms\) # (.*)$/gm)].map((m) => `${m[1]} (${m[2].trim()})`);
  const node = [...output.matchAll(/^(?:#|ℹ) (pass|fail) (\d+)$/gm)];
  if (node.length) {
    const sum = (kind) => node.filter((m) => m[1] === kind).reduce((n, m) => n + Number(m[2]), 0);
    return { passed: sum('pass'), failed: sum('fail'), skipped };
  }
  const plain = [...output.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
  return plain ? { passed: Number(plain[1]), failed: Number(plain[2]), skipped } : { passed: 0, failed: 0, skipped };
}
