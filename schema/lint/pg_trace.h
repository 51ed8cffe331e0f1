// `sluice lint --trace --db URL`: runs the migration on a scratch PostgreSQL database inside one
// transaction and reports what really happened, then rolls back. After each statement it reads
// pg_locks for its own backend (the relation locks the statement took that were not held
// before) and compares pg_class.relfilenode of every relation that existed before the trace
// (a new relfilenode: the statement rewrote it). Findings:
//   trace-lock               the locks a statement took (warning from SHARE up, else notice)
//   trace-rewrite            a table (and its indexes) really rewritten (warning)
//   trace-not-transactional  a statement that cannot run in a transaction block (CREATE INDEX
//                            CONCURRENTLY, VACUUM, ...): reported and skipped (notice)
//   trace-error              a statement the server refused: its message; the trace stops (error)
// Transaction control in the files (BEGIN, COMMIT, SAVEPOINT, ...) is skipped: the whole trace is
// one transaction. Relations created during the trace are not reported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "schema/lint/finding.h"
#include "schema/lint/linter.h"
#include "schema/lint/pg_statement_model.h"

namespace sluice::schema::lint {

// Why the statement cannot run inside a transaction block ("CREATE INDEX CONCURRENTLY"), or "".
// `text` is the statement's SQL (to tell VACUUM from ANALYZE).
std::string not_in_transaction(const PgStatement& statement, std::string_view text);

// Traces the PostgreSQL files (directories expanded, config path excludes honoured, files that
// do not parse skipped: lint_paths reports them) and appends the findings to `result`, with the
// config's rule excludes and severity overrides applied. Throws LiveContextError
// (pg_live_catalog.h) when it cannot connect.
void add_trace(LintResult& result, const std::vector<std::string>& paths, const std::string& db_url,
               const LintOptions& options);

}  // namespace sluice::schema::lint
