// What a PostgreSQL statement does: its kind (read, write, DDL, transaction control, utility)
// and the tables it names. From libpg_query's parse tree when PostgreSQL 15's parser accepts
// the text, else from keywords found by our own lexer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::sql {

enum class StatementKind {
  Read,                // SELECT, VALUES, TABLE, COPY ... TO, without FOR UPDATE/SHARE or writing CTEs
  Write,               // INSERT, UPDATE, DELETE, MERGE, SELECT INTO, COPY ... FROM, SELECT ... FOR
                       // UPDATE/SHARE, a CTE that writes; also CALL, DO and REFRESH MATERIALIZED VIEW,
                       // which may change data
  Ddl,                 // CREATE, ALTER, DROP, TRUNCATE, COMMENT, GRANT, REVOKE, ...
  TransactionControl,  // BEGIN, START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, PREPARE TRANSACTION
  Utility,             // SET, SHOW, EXPLAIN, VACUUM, ANALYZE, LISTEN, NOTIFY, DISCARD, PREPARE, EXECUTE, LOCK, ...
  Unknown,             // empty text, or nothing recognisable
};

std::string_view to_string(StatementKind kind);

struct StatementInfo {
  StatementKind kind = StatementKind::Unknown;
  // Relations named (tables, views, sequences), as written ("name", or "schema.name" when
  // qualified, unquoted identifiers folded to lower case), each once, in order of appearance.
  // References to a WITH query by its name are not tables and are left out.
  std::vector<std::string> tables;
  bool parsed = false;  // true: from libpg_query's parse tree; false: from the lexer fallback
};

// Never throws. For a string of several statements: the kind of the first, the tables of all.
StatementInfo describe_postgres(std::string_view query) noexcept;

// The keyword-based fallback on its own (same rules, less exact: no grammar). Never throws.
StatementInfo describe_by_lexer(std::string_view query) noexcept;

}  // namespace sluice::sql
