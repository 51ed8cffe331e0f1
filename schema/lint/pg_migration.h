// A parsed PostgreSQL migration as the rules see it: every statement's model, and the state
// before each statement from walking the file in order (transaction block, timeouts in force,
// an ACCESS EXCLUSIVE lock held since an earlier statement, tables created so far).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "schema/lint/migration_file.h"
#include "schema/lint/pg_parse.h"
#include "schema/lint/pg_statement_model.h"

namespace sluice::schema::lint {

struct PgLintOptions {
  int pg_version = 15;                 // major version the migration will run on
  bool assume_in_transaction = false;  // the migration tool wraps each file in a transaction
};

// State in force just before a statement runs.
struct StatementContext {
  bool in_transaction = false;        // an explicit BEGIN, or the whole file (assume_in_transaction)
  bool explicit_transaction = false;  // inside BEGIN ... COMMIT written in the file
  bool lock_timeout = false;          // a non-zero lock_timeout is set
  bool statement_timeout = false;     // a non-zero statement_timeout is set
  // The first statement of the current transaction that took ACCESS EXCLUSIVE on a table that
  // existed before the migration (the lock is held until the transaction ends).
  std::optional<std::size_t> access_exclusive_since;
};

class PgMigration {
 public:
  PgMigration(const MigrationFile& file, const PgParseTree& tree, PgLintOptions options);

  const MigrationFile& file() const { return *file_; }
  const PgLintOptions& options() const { return options_; }
  const std::vector<PgStatement>& statements() const { return statements_; }
  const StatementContext& context(std::size_t index) const { return contexts_[index]; }
  // The state after the last statement.
  const StatementContext& final_context() const { return final_; }

  // Whether a statement before `index` created `table` (CREATE TABLE, CREATE TABLE AS): such
  // tables are empty and unseen by traffic, so lock rules do not apply to them.
  bool created_before(const QualifiedName& table, std::size_t index) const;
  // The column as defined earlier in this file (CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE), or nullptr.
  const PgColumn* known_column(const QualifiedName& table, const std::string& column, std::size_t index) const;

 private:
  struct KnownColumn {
    QualifiedName table;
    PgColumn column;
    std::size_t defined_at;
  };

  const MigrationFile* file_;
  PgLintOptions options_;
  std::vector<PgStatement> statements_;
  std::vector<StatementContext> contexts_;
  StatementContext final_;
  std::vector<std::pair<QualifiedName, std::size_t>> created_;
  std::vector<KnownColumn> columns_;
};

}  // namespace sluice::schema::lint
