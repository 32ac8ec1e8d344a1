// `bun run load --tier smoke|bronze|silver|gold [--target URL] [--key KEY] [--json FILE] [--allow-remote]`:
// the k6 tiers replayed here with autocannon (k6 cannot be installed everywhere): same tier table,
// same mix, same setup through the API, same summary and thresholds.
// Exit status: 0 passed, 1 a threshold broken, 2 refused or could not start, 3 hard deadline, 130 interrupted.
import { parseArgs } from 'node:util';
import { evaluateThresholds, formatSummary, summaryFile } from './summary.ts';
import { checkTarget } from './target.ts';
import { TIER_NAMES, isTierName, newRunId, tierByName } from './tiers.ts';
import { drive } from './replay/drive.ts';
import { SetupError, createFixtures } from './replay/fixtures.ts';

const USAGE = `usage: bun run load [--tier ${TIER_NAMES.join('|')}] [--target http://127.0.0.1:3000] [--key KEY] [--json FILE] [--allow-remote]
  --tier          which load tier to run (default smoke)
  --key KEY       API key for hop's management API (default: $HOP_API_KEY; not needed with AUTH_MODE=open)
  --target        where hop listens (default http://127.0.0.1:3000); loopback only unless --allow-remote
  --json FILE     also write the summary, thresholds and verdict as JSON
  --allow-remote  permit a non-loopback target: only for machines you own and mean to load`;

/** Setup gets this long before the run is abandoned. */
const SETUP_BUDGET_MS = 120_000;
/** Past setup and the tier's duration, the slack before the process ends itself whatever it is doing. */
const HARD_DEADLINE_SLACK_MS = 60_000;

function fail(message: string, code = 2): never {
  console.error(`load: ${message}`);
  process.exit(code);
}

const { values: args } = (() => {
  try {
    return parseArgs({
      options: {
        tier: { type: 'string', default: 'smoke' },
        target: { type: 'string', default: 'http://127.0.0.1:3000' },
        json: { type: 'string' },
        key: { type: 'string', default: process.env.HOP_API_KEY },
        'allow-remote': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${USAGE}`);
  }
})();

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!isTierName(args.tier)) fail(`unknown tier "${args.tier}"\n${USAGE}`);
const tier = tierByName(args.tier);
const checked = checkTarget(args.target, args['allow-remote']);
if (!checked.ok) fail(checked.reason);
const base = checked.target.base;

// Bounded whatever happens: a wedged server or runner cannot keep this process (or its load) alive.
const deadline = setTimeout(() => fail('hard deadline passed; stopping', 3), SETUP_BUDGET_MS + tier.durationSeconds * 1000 + HARD_DEADLINE_SLACK_MS);
deadline.unref();

const interrupt = new AbortController();
process.once('SIGINT', () => {
  console.error('load: interrupted, stopping the run');
  interrupt.abort();
});

const runId = newRunId(Date.now(), Math.random());
console.error(`load: tier ${tier.name}: creating a user and ${tier.links} links on ${base}`);
const apiKey = args.key?.trim() || null;
const fixtures = await createFixtures(base, tier, runId, AbortSignal.any([interrupt.signal, AbortSignal.timeout(SETUP_BUDGET_MS)]), apiKey).catch((error: unknown) => {
  if (interrupt.signal.aborted) fail('interrupted during setup', 130);
  if (error instanceof SetupError) fail(`setup failed: ${error.message}`);
  return fail(`setup failed: cannot reach ${base} (${(error as Error).message})`);
});

console.error(`load: ${tier.vus} connections for ${tier.durationSeconds} s against ${fixtures.codes.length} links`);
const summary = await drive(base, tier, fixtures, runId, interrupt.signal, apiKey);
const verdict = evaluateThresholds(tier.thresholds, summary);
console.log(formatSummary(summary, verdict));

if (args.json !== undefined) {
  await Bun.write(args.json, `${JSON.stringify(summaryFile(tier, summary, verdict, new Date().toISOString()), null, 2)}\n`);
  console.error(`load: summary written to ${args.json}`);
}

clearTimeout(deadline);
if (interrupt.signal.aborted) fail('run interrupted: the figures above cover only part of the tier', 130);
process.exit(verdict.passed ? 0 : 1);
