// Parsing a PostgreSQL migration file with libpg_query (the PostgreSQL 15 grammar): the JSON
// parse tree of every statement, and each statement's span in the text (leading blanks and
// comments skipped), with the file's `-- sluice:ignore` directives attached.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "schema/lint/finding.h"
#include "schema/lint/migration_file.h"

namespace sluice::schema::lint {

struct PgParseTree {
  nlohmann::json tree;                           // libpg_query's {"version":..., "stmts":[...]}
  std::vector<const nlohmann::json*> statements;  // {"IndexStmt": {...}} per statement, in order
};

// On success fills `out`, calls file.set_statements() and returns nullopt. On a syntax error
// returns where it is (line and column from libpg_query's cursor position) and the parser's
// message.
std::optional<ParseError> parse_pg_file(MigrationFile& file, PgParseTree& out);

}  // namespace sluice::schema::lint
