// Every PostgreSQL lint rule: statements that must fire it and statements that must not.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "schema/lint/linter.h"
#include "schema/lint/pg_rules.h"

namespace sluice::schema::lint {
namespace {

struct Case {
  const char* rule;
  const char* sql;
  bool fires;
  int pg_version = 15;
  bool assume_in_transaction = false;
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.rule << (c.fires ? " fires on: " : " silent on: ") << c.sql;
}

LintResult lint(const std::string& sql, int pg_version = 15, bool assume_tx = false) {
  LintOptions options;
  options.postgres.pg_version = pg_version;
  options.postgres.assume_in_transaction = assume_tx;
  LintResult result;
  lint_pg_text("m.sql", sql, options, result);
  return result;
}

std::size_t count(const LintResult& r, std::string_view rule) {
  return static_cast<std::size_t>(
      std::count_if(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.rule == rule; }));
}

class RuleCase : public ::testing::TestWithParam<Case> {};

TEST_P(RuleCase, FiresOrNot) {
  const Case& c = GetParam();
  ASSERT_NE(find_pg_rule(c.rule), nullptr) << c.rule;
  LintResult r = lint(c.sql, c.pg_version, c.assume_in_transaction);
  ASSERT_TRUE(r.errors.empty()) << r.errors.front().message;
  if (c.fires) {
    EXPECT_GE(count(r, c.rule), 1u);
  } else {
    EXPECT_EQ(count(r, c.rule), 0u);
  }
}

const Case kCases[] = {
    // Indexes
    {"require-concurrent-index-creation", "CREATE INDEX i ON t (a);", true},
    {"require-concurrent-index-creation", "CREATE UNIQUE INDEX i ON t (a);", true},
    {"require-concurrent-index-creation", "CREATE INDEX CONCURRENTLY i ON t (a);", false},
    {"require-concurrent-index-creation", "CREATE TABLE t (a int); CREATE INDEX i ON t (a);", false},
    {"require-concurrent-index-deletion", "DROP INDEX i;", true},
    {"require-concurrent-index-deletion", "DROP INDEX CONCURRENTLY i;", false},
    {"require-concurrent-index-deletion", "CREATE INDEX CONCURRENTLY i ON t (a); DROP INDEX i;", false},
    {"require-concurrent-reindex", "REINDEX TABLE t;", true},
    {"require-concurrent-reindex", "REINDEX INDEX i;", true},
    {"require-concurrent-reindex", "REINDEX TABLE CONCURRENTLY t;", false},
    {"require-concurrent-reindex", "REINDEX (CONCURRENTLY) INDEX i;", false},
    {"concurrently-in-transaction", "BEGIN; CREATE INDEX CONCURRENTLY i ON t (a); COMMIT;", true},
    {"concurrently-in-transaction", "BEGIN; DROP INDEX CONCURRENTLY i; COMMIT;", true},
    {"concurrently-in-transaction", "START TRANSACTION; REINDEX INDEX CONCURRENTLY i; COMMIT;", true},
    {"concurrently-in-transaction", "CREATE INDEX CONCURRENTLY i ON t (a);", true, 15, true},
    {"concurrently-in-transaction", "CREATE INDEX CONCURRENTLY i ON t (a);", false},
    {"concurrently-in-transaction", "BEGIN; COMMIT; CREATE INDEX CONCURRENTLY i ON t (a);", false},
    // Constraints
    {"constraint-missing-not-valid", "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u_id) REFERENCES u (id);", true},
    {"constraint-missing-not-valid", "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", true},
    {"constraint-missing-not-valid", "ALTER TABLE t ADD COLUMN u_id bigint REFERENCES u (id);", true},
    {"constraint-missing-not-valid", "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u_id) REFERENCES u (id) NOT VALID;", false},
    {"constraint-missing-not-valid", "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;", false},
    {"constraint-missing-not-valid", "ALTER TABLE t VALIDATE CONSTRAINT c;", false},
    {"constraint-missing-not-valid", "CREATE TABLE t (a int); ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", false},
    {"foreign-key-locks-both-tables", "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u_id) REFERENCES u (id);", true},
    {"foreign-key-locks-both-tables", "CREATE TABLE t (id bigint, u_id bigint REFERENCES u (id));", true},
    {"foreign-key-locks-both-tables", "CREATE TABLE u (id bigint PRIMARY KEY); CREATE TABLE t (u_id bigint REFERENCES u);", false},
    {"foreign-key-locks-both-tables", "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;", false},
    {"foreign-key-missing-index", "CREATE TABLE t (id bigint, u_id bigint REFERENCES u (id));", true},
    {"foreign-key-missing-index", "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a, b) REFERENCES u (x, y) NOT VALID;", true},
    {"foreign-key-missing-index",
     "CREATE TABLE t (id bigint, u_id bigint REFERENCES u (id)); CREATE INDEX CONCURRENTLY t_u ON t (u_id, id);", false},
    {"foreign-key-missing-index",
     "CREATE INDEX CONCURRENTLY t_ab ON t (b, a, c); ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a, b) REFERENCES u NOT VALID;",
     false},
    {"foreign-key-missing-index", "CREATE TABLE t (u_id bigint PRIMARY KEY REFERENCES u (id));", false},
    {"foreign-key-missing-index", "CREATE INDEX CONCURRENTLY t_x ON t (c, u_id); ALTER TABLE t ADD FOREIGN KEY (u_id) REFERENCES u NOT VALID;", true},
    {"constraint-without-using-index", "ALTER TABLE t ADD PRIMARY KEY (id);", true},
    {"constraint-without-using-index", "ALTER TABLE t ADD CONSTRAINT u UNIQUE (email);", true},
    {"constraint-without-using-index", "ALTER TABLE t ADD COLUMN code text UNIQUE;", true},
    {"constraint-without-using-index", "ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&);", true},
    {"constraint-without-using-index", "ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY USING INDEX t_idx;", false},
    {"constraint-without-using-index", "ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX t_email;", false},
    {"constraint-without-using-index", "CREATE TABLE t (id bigint); ALTER TABLE t ADD PRIMARY KEY (id);", false},
    {"set-not-null-scans-table", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;", true},
    {"set-not-null-scans-table",
     "ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID; ALTER TABLE t ALTER COLUMN a SET NOT NULL;", true},
    {"set-not-null-scans-table",
     "ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT a_nn; "
     "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
     false},
    {"set-not-null-scans-table",
     "ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT a_nn; "
     "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
     true, 11},
    {"set-not-null-scans-table", "ALTER TABLE t ADD CONSTRAINT b_nn CHECK (b IS NOT NULL); ALTER TABLE t ALTER COLUMN b SET NOT NULL;", false},
    {"set-not-null-scans-table", "ALTER TABLE t ADD CONSTRAINT b_nn CHECK (b IS NOT NULL); ALTER TABLE t ALTER COLUMN a SET NOT NULL;", true},
    {"set-not-null-scans-table", "CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a SET NOT NULL;", false},
    // Columns
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN r float8 DEFAULT random();", true},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN ts timestamptz DEFAULT clock_timestamp();", true},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();", true},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN n bigint DEFAULT nextval('s');", true},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN n serial;", true},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN n int DEFAULT my_func();", true},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN n int DEFAULT 0;", true, 10},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN n int DEFAULT 0;", false},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN ts timestamptz DEFAULT now();", false},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN ts timestamptz DEFAULT CURRENT_TIMESTAMP;", false},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN s text DEFAULT lower('X') || 'y';", false},
    {"add-column-volatile-default", "ALTER TABLE t ADD COLUMN n int DEFAULT NULL;", false, 10},
    {"add-column-volatile-default", "CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN r float8 DEFAULT random();", false},
    {"add-column-stored-generated", "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED;", true},
    {"add-column-stored-generated", "ALTER TABLE t ADD COLUMN g int;", false},
    {"add-column-identity", "ALTER TABLE t ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY;", true},
    {"add-column-identity", "ALTER TABLE t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;", false},
    {"add-column-not-null-without-default", "ALTER TABLE t ADD COLUMN a int NOT NULL;", true},
    {"add-column-not-null-without-default", "ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT NULL;", true},
    {"add-column-not-null-without-default", "ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 0;", false},
    {"add-column-not-null-without-default", "ALTER TABLE t ADD COLUMN a int;", false},
    {"add-column-not-null-without-default", "ALTER TABLE t ADD COLUMN a bigint GENERATED ALWAYS AS IDENTITY NOT NULL;", false},
    {"alter-column-type-rewrites", "ALTER TABLE t ALTER COLUMN a TYPE bigint;", true},
    {"alter-column-type-rewrites", "ALTER TABLE t ALTER COLUMN a TYPE text USING a::text;", true},
    {"alter-column-type-rewrites", "ALTER TABLE t ALTER COLUMN a TYPE text;", true},  // old type unknown: warning
    {"alter-column-type-rewrites", "ALTER TABLE t ADD COLUMN a varchar(10); ALTER TABLE t ALTER COLUMN a TYPE text;", false},
    {"alter-column-type-rewrites",
     "ALTER TABLE t ADD COLUMN a varchar(10); ALTER TABLE t ALTER COLUMN a TYPE varchar(20);", false},
    {"alter-column-type-rewrites",
     "ALTER TABLE t ADD COLUMN a varchar(20); ALTER TABLE t ALTER COLUMN a TYPE varchar(10);", true},
    {"alter-column-type-rewrites",
     "ALTER TABLE t ADD COLUMN a numeric(10,2); ALTER TABLE t ALTER COLUMN a TYPE numeric(12,2);", false},
    {"alter-column-type-rewrites",
     "ALTER TABLE t ADD COLUMN a numeric(10,2); ALTER TABLE t ALTER COLUMN a TYPE numeric(12,3);", true},
    {"alter-column-type-rewrites", "ALTER TABLE t ADD COLUMN a int; ALTER TABLE t ALTER COLUMN a TYPE bigint;", true},
    {"alter-column-type-rewrites", "CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a TYPE bigint;", false},
    // Renames and destructive statements
    {"rename-table", "ALTER TABLE t RENAME TO t2;", true},
    {"rename-table", "CREATE TABLE t (a int); ALTER TABLE t RENAME TO t2;", false},
    {"rename-table", "ALTER INDEX i RENAME TO j;", false},
    {"rename-column", "ALTER TABLE t RENAME COLUMN a TO b;", true},
    {"rename-column", "ALTER TABLE t RENAME TO t2;", false},
    {"drop-table", "DROP TABLE t;", true},
    {"drop-table", "DROP TABLE IF EXISTS a, b CASCADE;", true},
    {"drop-table", "CREATE TABLE t (a int); DROP TABLE t;", false},
    {"drop-table", "DROP VIEW v;", false},
    {"drop-column", "ALTER TABLE t DROP COLUMN a;", true},
    {"drop-column", "ALTER TABLE t DROP CONSTRAINT c;", false},
    {"drop-database", "DROP DATABASE d;", true},
    {"drop-database", "DROP SCHEMA s;", false},
    {"truncate-table", "TRUNCATE t;", true},
    {"truncate-table", "CREATE TABLE t (a int); TRUNCATE t;", false},
    {"vacuum-full", "VACUUM FULL t;", true},
    {"vacuum-full", "VACUUM (FULL, ANALYZE) t;", true},
    {"vacuum-full", "VACUUM (FULL false) t;", false},
    {"vacuum-full", "VACUUM ANALYZE t;", false},
    {"cluster-table", "CLUSTER t USING i;", true},
    {"cluster-table", "ANALYZE t;", false},
    // Locks and transactions
    {"require-lock-timeout", "ALTER TABLE t ADD COLUMN a int;", true},
    {"require-lock-timeout", "SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN a int;", false},
    {"require-lock-timeout", "BEGIN; SET LOCAL lock_timeout = '2s'; ALTER TABLE t ADD COLUMN a int; COMMIT;", false},
    {"require-lock-timeout", "SET LOCAL lock_timeout = '2s'; ALTER TABLE t ADD COLUMN a int;", true},
    {"require-lock-timeout", "BEGIN; SET LOCAL lock_timeout = '2s'; COMMIT; ALTER TABLE t ADD COLUMN a int;", true},
    {"require-lock-timeout", "SET lock_timeout = 0; ALTER TABLE t ADD COLUMN a int;", true},
    {"require-lock-timeout", "SET lock_timeout = '1s'; RESET lock_timeout; ALTER TABLE t ADD COLUMN a int;", true},
    {"require-lock-timeout", "CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN b int;", false},
    {"require-lock-timeout", "CREATE INDEX CONCURRENTLY i ON t (a);", false},
    {"require-statement-timeout", "DROP TABLE t;", true},
    {"require-statement-timeout", "SET statement_timeout = '5min'; DROP TABLE t;", false},
    {"statements-after-access-exclusive", "BEGIN; ALTER TABLE t ADD COLUMN a int; UPDATE u SET x = 1; COMMIT;", true},
    {"statements-after-access-exclusive", "ALTER TABLE t ADD COLUMN a int; UPDATE u SET x = 1;", true, 15, true},
    {"statements-after-access-exclusive", "BEGIN; UPDATE u SET x = 1; ALTER TABLE t ADD COLUMN a int; COMMIT;", false},
    {"statements-after-access-exclusive", "ALTER TABLE t ADD COLUMN a int; UPDATE u SET x = 1;", false},
    {"statements-after-access-exclusive", "BEGIN; ALTER TABLE t ADD COLUMN a int; COMMIT; UPDATE u SET x = 1;", false},
    {"combine-alter-table", "ALTER TABLE t ADD COLUMN a int; ALTER TABLE t ADD COLUMN b int;", true},
    {"combine-alter-table", "ALTER TABLE t ADD COLUMN a int; SET lock_timeout = '1s'; ALTER TABLE t DROP COLUMN b;", true},
    {"combine-alter-table", "ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int;", false},
    {"combine-alter-table", "ALTER TABLE t ADD COLUMN a int; ALTER TABLE u ADD COLUMN b int;", false},
    {"combine-alter-table",
     "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT c;", false},
    {"transaction-nesting", "BEGIN; BEGIN; COMMIT; COMMIT;", true},
    {"transaction-nesting", "COMMIT;", true},
    {"transaction-nesting", "BEGIN; SELECT 1; COMMIT;", true, 15, true},
    {"transaction-nesting", "BEGIN; SELECT 1; COMMIT; BEGIN; SELECT 2; ROLLBACK;", false},
    {"unterminated-transaction", "BEGIN; ALTER TABLE t ADD COLUMN a int;", true},
    {"unterminated-transaction", "BEGIN; ALTER TABLE t ADD COLUMN a int; COMMIT;", false},
    {"unterminated-transaction", "SELECT 1;", false},
    {"missing-if-exists", "CREATE TABLE t (a int);", true},
    {"missing-if-exists", "CREATE INDEX CONCURRENTLY i ON t (a);", true},
    {"missing-if-exists", "DROP INDEX CONCURRENTLY i;", true},
    {"missing-if-exists", "ALTER TABLE t ADD COLUMN a int;", true},
    {"missing-if-exists", "ALTER TABLE t DROP COLUMN a;", true},
    {"missing-if-exists", "CREATE TABLE IF NOT EXISTS t (a int);", false},
    {"missing-if-exists", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);", false},
    {"missing-if-exists", "DROP TABLE IF EXISTS t;", false},
    {"missing-if-exists", "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, DROP COLUMN IF EXISTS b;", false},
    {"missing-if-exists", "BEGIN; CREATE TABLE t (a int); COMMIT;", false},
    {"missing-if-exists", "CREATE TABLE t (a int);", false, 15, true},
    // Style
    {"prefer-bigint-over-int", "CREATE TABLE t (id int PRIMARY KEY);", true},
    {"prefer-bigint-over-int", "CREATE TABLE t (user_id integer);", true},
    {"prefer-bigint-over-int", "CREATE TABLE t (a int, b smallint, PRIMARY KEY (a));", true},
    {"prefer-bigint-over-int", "CREATE TABLE t (id bigint PRIMARY KEY, count int);", false},
    {"prefer-identity-over-serial", "CREATE TABLE t (id bigserial PRIMARY KEY);", true},
    {"prefer-identity-over-serial", "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);", false},
    {"prefer-timestamptz", "CREATE TABLE t (at timestamp);", true},
    {"prefer-timestamptz", "ALTER TABLE t ADD COLUMN at timestamp without time zone;", true},
    {"prefer-timestamptz", "CREATE TABLE t (at timestamptz, d date);", false},
    {"prefer-text-over-char", "CREATE TABLE t (c char(2));", true},
    {"prefer-text-over-char", "CREATE TABLE t (c text);", false},
    {"prefer-text-over-varchar", "CREATE TABLE t (c varchar(20));", true},
    {"prefer-text-over-varchar", "CREATE TABLE t (c varchar, d text);", false},
    {"prefer-jsonb", "CREATE TABLE t (d json);", true},
    {"prefer-jsonb", "CREATE TABLE t (d jsonb);", false},
    {"identifier-too-long",
     "CREATE TABLE a_table_name_that_is_much_too_long_for_postgresql_to_keep_in_full_xx (a int);", true},
    {"identifier-too-long",
     "ALTER TABLE t ADD COLUMN a_column_name_that_is_much_too_long_for_postgresql_to_keep_in_full int;", true},
    {"identifier-too-long", "CREATE TABLE t (a int);", false},
};

INSTANTIATE_TEST_SUITE_P(PgRules, RuleCase, ::testing::ValuesIn(kCases));

TEST(PgRules, EveryRuleHasCasesThatFireAndThatDoNot) {
  for (const PgRule& rule : pg_rules()) {
    bool fires = false, silent = false;
    for (const Case& c : kCases) {
      if (c.rule != rule.id) continue;
      (c.fires ? fires : silent) = true;
    }
    EXPECT_TRUE(fires) << rule.id << " has no case that fires";
    EXPECT_TRUE(silent) << rule.id << " has no case that must not fire";
    EXPECT_FALSE(rule.summary.empty()) << rule.id;
    EXPECT_FALSE(rule.safe_alternative.empty()) << rule.id;
  }
}

TEST(PgRules, FindingCarriesLockRewriteAndPosition) {
  LintResult r = lint("SELECT 1;\n\nALTER TABLE orders\n  ADD COLUMN token uuid DEFAULT gen_random_uuid();\n");
  auto it = std::find_if(r.findings.begin(), r.findings.end(),
                         [](const Finding& f) { return f.rule == "add-column-volatile-default"; });
  ASSERT_NE(it, r.findings.end());
  EXPECT_EQ(it->severity, Severity::Error);
  EXPECT_EQ(it->where.file, "m.sql");
  EXPECT_EQ(it->where.line, 4);
  EXPECT_EQ(it->where.column, 14);  // the column definition
  EXPECT_EQ(it->lock, "ACCESS EXCLUSIVE");
  EXPECT_EQ(it->blocks, "reads and writes");
  EXPECT_TRUE(it->rewrites_table);
  EXPECT_EQ(it->table, "orders");
  EXPECT_EQ(it->column, "token");
  EXPECT_EQ(it->statement, "ALTER TABLE orders\n  ADD COLUMN token uuid DEFAULT gen_random_uuid()");
  EXPECT_FALSE(it->safe_alternative.empty());
}

TEST(PgRules, UnknownFunctionDefaultIsAWarningNotAnError) {
  LintResult r = lint("ALTER TABLE t ADD COLUMN n int DEFAULT my_func();");
  for (const Finding& f : r.findings) {
    if (f.rule == "add-column-volatile-default") {
      EXPECT_EQ(f.severity, Severity::Warning);
    }
  }
}

TEST(PgRules, TypeChangeWithUnknownOldTypeIsAWarning) {
  LintResult r = lint("ALTER TABLE t ALTER COLUMN a TYPE text;");
  ASSERT_EQ(count(r, "alter-column-type-rewrites"), 1u);
  for (const Finding& f : r.findings) {
    if (f.rule == "alter-column-type-rewrites") {
      EXPECT_EQ(f.severity, Severity::Warning);
    }
  }
  LintResult r2 = lint("ALTER TABLE t ALTER COLUMN a TYPE bigint;");
  for (const Finding& f : r2.findings) {
    if (f.rule == "alter-column-type-rewrites") {
      EXPECT_EQ(f.severity, Severity::Error);
    }
  }
}

TEST(PgRules, ForeignKeyNotValidLockIsANotice) {
  LintResult r = lint("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (u_id) REFERENCES u (id) NOT VALID;");
  for (const Finding& f : r.findings) {
    if (f.rule == "foreign-key-locks-both-tables") {
      EXPECT_EQ(f.severity, Severity::Notice);
    }
  }
}

TEST(PgRules, LockTimeoutReportedOncePerFile) {
  LintResult r = lint("ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\nDROP TABLE c;\n");
  EXPECT_EQ(count(r, "require-lock-timeout"), 1u);
}

TEST(PgRules, SafeMigrationIsClean) {
  LintResult r = lint(
      "SET lock_timeout = '2s';\n"
      "SET statement_timeout = '10s';\n"
      "ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;\n"
      "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) "
      "NOT VALID;\n"
      "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n"
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);\n");
  for (const Finding& f : r.findings) {
    EXPECT_EQ(f.severity, Severity::Notice) << f.rule << ": " << f.message;
  }
}

}  // namespace
}  // namespace sluice::schema::lint
