#include "schema/lint/pg_rules.h"

#include "schema/lint/pg_rule_checks.h"

namespace sluice::schema::lint {

namespace {

using S = Severity;
namespace c = checks;

constexpr PgRule kRules[] = {
    // Indexes
    {"require-concurrent-index-creation", S::Error,
     "CREATE INDEX without CONCURRENTLY on an existing table: writes wait for the whole build",
     "CREATE INDEX CONCURRENTLY, outside a transaction block; if it fails, drop the INVALID index and retry.",
     c::require_concurrent_index_creation},
    {"require-concurrent-index-deletion", S::Warning,
     "DROP INDEX without CONCURRENTLY: ACCESS EXCLUSIVE on the index's table",
     "DROP INDEX CONCURRENTLY, one index per statement, outside a transaction block.",
     c::require_concurrent_index_deletion},
    {"require-concurrent-reindex", S::Error,
     "REINDEX without CONCURRENTLY: writes (and reads using the index) wait for the rebuild",
     "REINDEX ... CONCURRENTLY (PostgreSQL 12+), outside a transaction block.", c::require_concurrent_reindex},
    {"concurrently-in-transaction", S::Error,
     "CONCURRENTLY inside a transaction block: PostgreSQL refuses to run it",
     "Run CONCURRENTLY statements on their own, outside BEGIN/COMMIT (turn off the migration tool's transaction for "
     "that file).",
     c::concurrently_in_transaction},
    // Constraints
    {"constraint-missing-not-valid", S::Error,
     "ADD CONSTRAINT (FOREIGN KEY, CHECK) without NOT VALID: validates every row while holding the lock",
     "ADD CONSTRAINT ... NOT VALID (a brief lock), then ALTER TABLE ... VALIDATE CONSTRAINT in a later transaction "
     "(SHARE UPDATE EXCLUSIVE: reads and writes go on).",
     c::constraint_missing_not_valid},
    {"foreign-key-locks-both-tables", S::Warning,
     "A foreign key takes SHARE ROW EXCLUSIVE on the referencing and the referenced table",
     "Set a short lock_timeout, add the foreign key NOT VALID and VALIDATE it later, one foreign key per "
     "transaction.",
     c::foreign_key_locks_both_tables},
    {"foreign-key-missing-index", S::Warning,
     "A foreign key whose referencing columns no index in the migration leads with",
     "CREATE INDEX CONCURRENTLY on the referencing columns (if one already exists in the database, ignore this "
     "finding with -- sluice:ignore foreign-key-missing-index).",
     c::foreign_key_missing_index},
    {"constraint-without-using-index", S::Error,
     "ADD PRIMARY KEY / UNIQUE builds its index under ACCESS EXCLUSIVE",
     "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... PRIMARY KEY / UNIQUE USING INDEX (a brief "
     "lock).",
     c::constraint_without_using_index},
    {"set-not-null-scans-table", S::Error,
     "ALTER COLUMN ... SET NOT NULL scans the whole table under ACCESS EXCLUSIVE",
     "ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+ "
     "skips the scan) and drop the CHECK.",
     c::set_not_null_scans_table},
    // Columns
    {"add-column-volatile-default", S::Error,
     "ADD COLUMN with a volatile default (random(), clock_timestamp(), gen_random_uuid(), nextval, serial) rewrites "
     "the table",
     "Add the column without a default, ALTER COLUMN ... SET DEFAULT for new rows, and backfill existing rows in "
     "batches.",
     c::add_column_volatile_default},
    {"add-column-stored-generated", S::Error, "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED rewrites the table",
     "Add a plain column, backfill it in batches and keep it current with a trigger; or compute it at query time.",
     c::add_column_stored_generated},
    {"add-column-identity", S::Error, "ADD COLUMN ... GENERATED AS IDENTITY rewrites the table",
     "Add a nullable bigint column with a sequence default for new rows, backfill in batches, then make it an "
     "identity.",
     c::add_column_identity},
    {"add-column-not-null-without-default", S::Error,
     "ADD COLUMN ... NOT NULL without a DEFAULT fails on a table with rows",
     "Give it a constant DEFAULT (no rewrite since PostgreSQL 11), or add it nullable, backfill, then enforce NOT "
     "NULL through a validated CHECK.",
     c::add_column_not_null_without_default},
    {"alter-column-type-rewrites", S::Error,
     "ALTER COLUMN ... TYPE that is not binary coercible rewrites the table and its indexes",
     "Add a column of the new type, backfill in batches, keep both in step with a trigger, switch the application, "
     "then drop the old column.",
     c::alter_column_type_rewrites},
    // Renames and destructive statements
    {"rename-table", S::Warning, "RENAME of a table breaks every client still using the old name",
     "Expand and contract: rename and create a view under the old name in the same transaction, move clients, drop "
     "the view later.",
     c::rename_table},
    {"rename-column", S::Warning, "RENAME COLUMN breaks every query still using the old name",
     "Add the new column, write both, backfill, move readers, then drop the old column in a later release.",
     c::rename_column},
    {"drop-table", S::Warning, "DROP TABLE deletes data and breaks queries still using the table",
     "Remove every use of the table in an earlier release; keep a backup; drop it once nothing reads it.",
     c::drop_table},
    {"drop-column", S::Warning, "DROP COLUMN breaks queries that still name the column",
     "Stop using the column in an earlier release (the application first), then drop it.", c::drop_column},
    {"drop-database", S::Error, "DROP DATABASE in a migration", "Drop databases by hand, never in a migration.",
     c::drop_database},
    {"truncate-table", S::Warning, "TRUNCATE deletes every row under ACCESS EXCLUSIVE",
     "Delete in batches while the application runs, or truncate by hand at a quiet time.", c::truncate_table},
    {"vacuum-full", S::Error, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE",
     "Plain VACUUM (does not block reads or writes), or an online rewrite tool such as pg_repack.", c::vacuum_full},
    {"cluster-table", S::Error, "CLUSTER rewrites the table under ACCESS EXCLUSIVE",
     "Run it by hand at a quiet time, or use an online rewrite tool such as pg_repack.", c::cluster_table},
    // Locks and transactions
    {"require-lock-timeout", S::Warning,
     "A statement taking ACCESS EXCLUSIVE with no lock_timeout set before it: it can queue behind a long "
     "transaction and block everything behind it",
     "SET lock_timeout = '2s' (or SET LOCAL inside the transaction) before it, and retry the migration when it "
     "times out.",
     c::require_lock_timeout},
    {"require-statement-timeout", S::Notice,
     "A statement taking ACCESS EXCLUSIVE with no statement_timeout set before it",
     "SET statement_timeout (or SET LOCAL) to a bound the table can afford to be locked for.",
     c::require_statement_timeout},
    {"statements-after-access-exclusive", S::Warning,
     "More statements run in a transaction after one took ACCESS EXCLUSIVE: the lock is held until COMMIT",
     "Put the statement that takes ACCESS EXCLUSIVE last in its transaction, or in a transaction of its own.",
     c::statements_after_access_exclusive},
    {"combine-alter-table", S::Notice, "Consecutive ALTER TABLE statements on one table that could be one",
     "Combine them into one ALTER TABLE with comma-separated actions: one lock, at most one rewrite.",
     c::combine_alter_table},
    {"transaction-nesting", S::Warning,
     "BEGIN inside a transaction block, or COMMIT / ROLLBACK that ends a transaction the file did not start",
     "Let either the file or the migration tool manage the transaction, not both.", c::transaction_nesting},
    {"unterminated-transaction", S::Error, "BEGIN without a matching COMMIT or ROLLBACK",
     "End every BEGIN with COMMIT in the same file.", c::unterminated_transaction},
    {"missing-if-exists", S::Warning,
     "CREATE / DROP / ADD COLUMN outside a transaction without IF [NOT] EXISTS: a rerun after a failure stops here",
     "Write CREATE ... IF NOT EXISTS, DROP ... IF EXISTS, ADD COLUMN IF NOT EXISTS, or run the file in a "
     "transaction.",
     c::missing_if_exists},
    // Style
    {"prefer-bigint-over-int", S::Notice, "A key or id column of type integer / smallint / serial",
     "bigint (bigint GENERATED BY DEFAULT AS IDENTITY for keys): widening later rewrites the table.",
     c::prefer_bigint_over_int},
    {"prefer-identity-over-serial", S::Notice, "serial / bigserial columns",
     "bigint GENERATED BY DEFAULT AS IDENTITY (standard SQL, the sequence belongs to the column).",
     c::prefer_identity_over_serial},
    {"prefer-timestamptz", S::Notice, "timestamp without time zone",
     "timestamptz: it stores an instant; timestamp without time zone depends on the writer's zone.",
     c::prefer_timestamptz},
    {"prefer-text-over-char", S::Notice, "char(n): blank-padded, rarely what is meant",
     "text (with a CHECK on length if the limit matters).", c::prefer_text_over_char},
    {"prefer-text-over-varchar", S::Notice, "varchar(n): changing n later can need a rewrite",
     "text with CHECK (length(col) <= n): changing a CHECK needs no rewrite.", c::prefer_text_over_varchar},
    {"prefer-jsonb", S::Notice, "json instead of jsonb",
     "jsonb: indexable, compared by value, and faster to query.", c::prefer_jsonb},
    {"identifier-too-long", S::Notice, "An identifier longer than 63 bytes: PostgreSQL silently truncates it",
     "Use a name of at most 63 bytes.", c::identifier_too_long},
};

}  // namespace

namespace checks {

void set_lock(Finding& f, LockMode mode) {
  f.lock = to_string(mode);
  f.blocks = blocks(mode);
}

int line_of(const RuleEmitter& e, std::size_t offset) { return e.migration().file().lines().line_of(offset); }

}  // namespace checks

Finding& RuleEmitter::emit(std::size_t statement, int64_t location, std::string message) {
  const PgStatement& st = migration_.statements()[statement];
  std::size_t offset = location >= 0 ? static_cast<std::size_t>(location) : st.begin;
  RuleHit hit;
  hit.statement = statement;
  Finding& f = hit.finding;
  f.rule = std::string(rule_.id);
  f.severity = rule_.severity;
  f.where = migration_.file().location(offset);
  f.statement = migration_.file().excerpt(migration_.file().statements()[statement]);
  f.message = std::move(message);
  f.safe_alternative = std::string(rule_.safe_alternative);
  f.table = st.table.display();
  out_.push_back(std::move(hit));
  return out_.back().finding;
}

std::span<const PgRule> pg_rules() { return kRules; }

const PgRule* find_pg_rule(std::string_view id) {
  for (const PgRule& r : kRules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::vector<RuleHit> run_pg_rules(const PgMigration& migration) {
  std::vector<RuleHit> hits;
  for (const PgRule& rule : kRules) {
    RuleEmitter emitter(migration, rule, hits);
    rule.check(emitter);
  }
  return hits;
}

}  // namespace sluice::schema::lint
