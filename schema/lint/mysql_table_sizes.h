// Live table sizes for `sluice lint --dialect mysql --db mysql://user:pass@host:port/db`: row
// counts and sizes from information_schema.TABLES (InnoDB's row count is an estimate), read with
// MySQL Connector/C++. Each MySQL finding about a table gets a note with its size and a rough
// duration for the work the statement does (a copy, a rebuild, an index build), and its severity
// moves with the size: raised for large tables, lowered for small ones (LiveThresholds).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "schema/lint/finding.h"
#include "schema/lint/lint_config.h"

namespace sluice::schema::lint {

struct MysqlTableSize {
  std::string schema;
  std::string table;
  int64_t rows = 0;         // TABLE_ROWS (an estimate for InnoDB)
  int64_t data_bytes = 0;   // DATA_LENGTH (the clustered index)
  int64_t index_bytes = 0;  // INDEX_LENGTH (secondary indexes)
};

// Sizes of the base tables of the URL's database. Throws std::runtime_error (password masked)
// when it cannot connect or query.
std::vector<MysqlTableSize> fetch_mysql_table_sizes(const std::string& url);

// Pure: adds the notes and adjusts severities of the findings whose rule starts with "mysql-".
void apply_mysql_table_sizes(LintResult& result, const std::vector<MysqlTableSize>& sizes,
                             const LiveThresholds& thresholds = {});

// fetch + apply. Throws std::runtime_error like fetch_mysql_table_sizes.
void add_mysql_table_sizes(LintResult& result, const std::string& url, const LiveThresholds& thresholds = {});

}  // namespace sluice::schema::lint
