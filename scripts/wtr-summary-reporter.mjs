/**
 * A web-test-runner reporter that prints one plain line at process exit:
 *   components: N passed, N failed
 * The default reporter's dynamic terminal swallows writes made inside stop(),
 * so the line is written from process.on('exit').
 */
function countSuite(suite, totals) {
  if (!suite) return;
  for (const test of suite.tests ?? []) {
    if (test.skipped) totals.skipped += 1;
    else if (test.passed) totals.passed += 1;
    else totals.failed += 1;
  }
  for (const child of suite.suites ?? []) countSuite(child, totals);
}

export function summaryReporter({ label = 'components' } = {}) {
  let totals = { passed: 0, failed: 0, skipped: 0 };
  let printed = false;
  let started = false;

  const print = () => {
    if (printed || !started) return;
    printed = true;
    const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
    process.stdout.write(`${label}: ${totals.passed} passed, ${totals.failed} failed${skipped}\n`);
  };

  return {
    start() {
      started = true;
      process.on('exit', print);
    },
    onTestRunFinished({ sessions }) {
      // Recount from scratch: in watch mode a run replaces the previous one.
      totals = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessions) {
        const before = totals.passed + totals.failed + totals.skipped;
        countSuite(session.testResults, totals);
        const counted = totals.passed + totals.failed + totals.skipped - before;
        // A file that failed to load (or a browser error) has no test results: count it as one failure.
        if (!session.passed && (counted === 0 || (session.errors?.length ?? 0) > 0)) totals.failed += 1;
      }
    },
  };
}

export default summaryReporter;
