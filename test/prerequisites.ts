// The one rule for tests that need something from outside the repository (Debian's python3
// packages, the vendored Gymnasium in ../shared/vendor, Chromium, the npm registry): where it
// is missing, the test skips and says why, so a bare clone passes `npm test`; but under CI
// (CI=true, as .ci/run is run) a missing prerequisite is a failure, with the same reason, so
// that a broken install step cannot hide behind a green run of skipped tests.
//
//   test('needs python', async (t) => {
//     if (requireOrSkip(t, skipPython)) return;
//     ...
//   });

/** Why a test cannot run here (what is missing, and how to get it), or nothing when it can. */
export type Missing = string | false | null | undefined;

/** Whether this is a CI run, where a missing prerequisite fails: CI is set to anything but "", "0" or "false". */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return !!ci && ci !== '0' && ci !== 'false';
}

/**
 * Call first in a test that needs `missing`: returns false when nothing is missing (run the
 * test); otherwise skips the test with the reason and returns true (return at once), or, under
 * CI, throws so the test fails with the reason.
 */
export function requireOrSkip(t: { skip(message?: string): void }, missing: Missing, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!missing) return false;
  if (isCI(env)) throw new Error(`missing prerequisite: ${missing} (CI=${env.CI}: a test that would skip for want of it fails instead)`);
  t.skip(missing);
  return true;
}
