// The MySQL / MariaDB checker of `sluice lint --dialect mysql`: every ALTER TABLE (and CREATE /
// DROP INDEX, RENAME TABLE, OPTIMIZE TABLE) of a migration file gets a finding that names the
// algorithm the server will use (INSTANT / INPLACE / COPY) and the lock it needs, with the safe
// way to run it; an explicit ALGORITHM= or LOCK= that the server cannot honour is an error (the
// server refuses the statement). The rules are in mysql_online_ddl.h; parsing in
// mysql_alter_parser.h.
//
// Rule ids:
//   mysql-alter-instant        notice   metadata only
//   mysql-alter-inplace        notice / warning (when it builds an index)   INPLACE, no rebuild, LOCK=NONE
//   mysql-alter-rebuild        warning  INPLACE with a rebuild of the table, LOCK=NONE
//   mysql-alter-blocks-writes  error    INPLACE that needs LOCK=SHARED or EXCLUSIVE
//   mysql-alter-copy           error    COPY: writes blocked for the whole copy
//   mysql-alter-refused        error    ALGORITHM= / LOCK= the server refuses
//   mysql-optimize-table       warning / error (COPY with a FULLTEXT index)
//   mysql-rename-table, mysql-rename-column, mysql-drop-column, mysql-drop-table   warning
//   mysql-combine-alters       warning  several rebuilding ALTERs of one table
//   mysql-lock-wait-timeout    warning  an ALTER with no bounded metadata-lock wait before it
// An ALTER of a table created earlier in the same file is a notice (the table is empty). A verdict
// that rests on an assumption (the column's current type is not in the file) is at most a warning.
#pragma once

#include <string>

#include "schema/lint/finding.h"
#include "schema/lint/mysql_online_ddl.h"

namespace sluice::schema::lint {

struct MysqlLintOptions {
  mysql::Flavor flavor = mysql::Flavor::MariaDB;
  std::string default_charset = "utf8mb4";  // of columns whose character set the file does not give
};

// Appends the findings of one file to out.findings and statements it cannot parse to out.errors.
void lint_mysql_file(const std::string& path, const std::string& text, LintResult& out);
void lint_mysql_file(const std::string& path, const std::string& text, LintResult& out, const MysqlLintOptions& options);

// The findings' rule ids (for config validation and docs).
const std::vector<std::string>& mysql_rule_ids();

}  // namespace sluice::schema::lint
