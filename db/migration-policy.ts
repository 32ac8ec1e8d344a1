// Expand/contract, checked: during a rollout an old and a new replica run side by side on one
// database (docs/decisions.md, "Migrations are expand/contract"), so a migration may only add
// what old code ignores. Removing or renaming what code reads is a contract step: its own
// migration, marked `-- hop:contract <why no running release needs it>`, shipped a release after
// the code stopped using it, and never mixed with an expand step in the same file.
// tests/unit/migration-policy.test.ts runs this over db/migrations on every CI run.

export interface MigrationProblem {
  migration: string;
  problem: string;
}

/** What old code may still read or write: only a marked contract migration may do these. */
const CONTRACT_STEPS: [RegExp, string][] = [
  [/\bDROP\s+COLUMN\b/i, 'drops a column'],
  [/\bRENAME\s+COLUMN\b/i, 'renames a column'],
  [/\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?[\w".]+\s+RENAME\s+(?:TO|CONSTRAINT)\b/i, 'renames a table'],
  [/\bDROP\s+TABLE\b/i, 'drops a table'],
  [/\bDROP\s+CONSTRAINT\b/i, 'drops a constraint (old code may rely on what it checked or did on delete)'],
  [/\bALTER\s+COLUMN\s+[\w"]+\s+(?:SET\s+DATA\s+)?TYPE\b/i, 'changes a column type'],
  [/\bALTER\s+COLUMN\s+[\w"]+\s+SET\s+NOT\s+NULL\b/i, 'makes a column NOT NULL (old code may still insert without it)'],
];

/** What new code needs: a contract migration must not also expand. */
const EXPAND_STEPS: [RegExp, string][] = [
  [/\bADD\s+COLUMN\b/i, 'adds a column'],
  [/\bCREATE\s+TABLE\b/i, 'creates a table'],
];

const CONTRACT_MARK = /^--\s*hop:contract\s+\S/m;

/**
 * Migrations from before the policy was written, each with why it is safe anyway. Nothing is
 * added here: a new migration follows the rules.
 */
export const GRANDFATHERED: Readonly<Record<string, string>> = {
  '0005_click_partitions':
    'a table swap in one transaction: events is renamed aside, rebuilt partitioned under its old name with the same columns, filled and the old copy dropped; old and new replicas read the same table and columns',
};

// Statements without comments (a comment may mention DROP COLUMN in its prose).
function statements(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
}

export function lintMigration(name: string, sql: string): MigrationProblem[] {
  if (name in GRANDFATHERED) return [];
  const code = statements(sql);
  const problems: MigrationProblem[] = [];
  const contracts = CONTRACT_STEPS.filter(([pattern]) => pattern.test(code)).map(([, what]) => what);
  const expands = EXPAND_STEPS.filter(([pattern]) => pattern.test(code)).map(([, what]) => what);
  const marked = CONTRACT_MARK.test(sql);
  if (contracts.length && !marked) {
    problems.push({ migration: name, problem: `${contracts.join(', ')} without a "-- hop:contract <reason>" line: an old replica still running during the rollout may need it` });
  }
  if (marked && expands.length) {
    problems.push({ migration: name, problem: `a contract migration also ${expands.join(' and ')}: split expand and contract into separate migrations (and releases)` });
  }
  // ADD COLUMN ... NOT NULL needs a default: an old replica's INSERT does not name the column.
  for (const match of code.matchAll(/\bADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?("?[\w]+"?)([^,;]*)/gi)) {
    const definition = match[2]!;
    if (/\bNOT\s+NULL\b/i.test(definition) && !/\bDEFAULT\b|\bGENERATED\b/i.test(definition)) {
      problems.push({ migration: name, problem: `adds NOT NULL column ${match[1]} without a default: old replicas' inserts would fail` });
    }
  }
  return problems;
}
