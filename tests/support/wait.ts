// Waiting on a condition with a deadline, instead of sleeping a guessed time.

/** For hooks that start servers and databases: bun's 5 s hook default is too short on a loaded machine. */
export const HOOK_TIMEOUT_MS = 30_000;

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(everyMs);
  }
}
