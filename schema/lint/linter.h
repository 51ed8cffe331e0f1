// The linter driver: files in, findings out. Reads each file, lints it with the dialect's checker
// (PostgreSQL: pg_parse + pg_rules; MySQL: lint_mysql_file), then applies the ignore directives,
// the config's excluded rules and paths and its severity overrides. Output formats are in
// lint_output.h; the command line in cli/lint_command.cc.
#pragma once

#include <string>
#include <vector>

#include "schema/lint/finding.h"
#include "schema/lint/lint_config.h"
#include "schema/lint/pg_migration.h"

namespace sluice::schema::lint {

enum class Dialect { Postgres, MySql };

struct LintOptions {
  Dialect dialect = Dialect::Postgres;
  PgLintOptions postgres;
  bool mysql8 = false;  // --mysql-flavor mysql8: MySQL 8.0 online DDL rules instead of MariaDB 10.11
  LintConfig config;
};

// Lints one PostgreSQL file's text; appends to `out`. Ignore directives and the config's rule
// excludes and severity overrides are applied (path excludes are the caller's: lint_paths).
void lint_pg_text(const std::string& path, const std::string& text, const LintOptions& options, LintResult& out);

// Directories replaced by their *.sql files (recursively, sorted); files as given.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths);

// Expands directories (their *.sql files, recursively, sorted), drops excluded paths, and lints
// every file with options.dialect. A file that cannot be read is a ParseError with line 0.
// Returns how many files were linted in `files_linted`.
LintResult lint_paths(const std::vector<std::string>& paths, const LintOptions& options, std::size_t* files_linted);

}  // namespace sluice::schema::lint
