// Which table-level locks a PostgreSQL statement takes (the strongest per table), from the
// statement model alone: the rules that ask "does this wait behind traffic, and what does it
// block while it holds the lock" use it.
#pragma once

#include <vector>

#include "schema/lint/pg_statement_model.h"

namespace sluice::schema::lint {

struct TableLock {
  QualifiedName table;
  LockMode mode = LockMode::None;
};

// The relations a statement locks and how, strongest lock per relation, the main table first.
// Indexes dropped or reindexed are listed under their own names.
std::vector<TableLock> table_locks(const PgStatement& statement);

// The lock one ALTER TABLE sub-command takes on the altered table.
LockMode alter_cmd_lock(const PgAlterCmd& cmd);

}  // namespace sluice::schema::lint
