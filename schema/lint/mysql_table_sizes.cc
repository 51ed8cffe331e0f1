#include "schema/lint/mysql_table_sizes.h"

#include "schema/lint/live_tables.h"

#include <cstdio>
#include <memory>
#include <stdexcept>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <mysql_driver.h>

#include "common/config_error.h"
#include "common/target_url.h"
#include "schema/lint/mysql_alter_parser.h"

namespace sluice::schema::lint {

namespace {

// Rough throughputs of a busy InnoDB server on SSDs, for an order of magnitude only.
constexpr double kCopyBytesPerSecond = 10e6;     // COPY: row by row, every index rebuilt, undo logged
constexpr double kRebuildBytesPerSecond = 30e6;  // INPLACE rebuild: sorted index builds
constexpr double kIndexBuildBytesPerSecond = 60e6;  // one secondary index: a scan and a sort

std::string bare(const std::string& table) {
  std::size_t dot = table.rfind('.');
  return mysql::lower_ascii(dot == std::string::npos ? table : table.substr(dot + 1));
}

Severity raise(Severity s) { return s == Severity::Notice ? Severity::Warning : Severity::Error; }
Severity lower(Severity s) { return s == Severity::Error ? Severity::Warning : Severity::Notice; }

}  // namespace

std::vector<MysqlTableSize> fetch_mysql_table_sizes(const std::string& url) {
  common::TargetUrl target;
  try {
    target = common::parse_target_url(url);
  } catch (const common::ConfigError& e) {
    throw std::runtime_error(e.what());
  }
  if (target.scheme != "mysql") throw std::runtime_error("--db for --dialect mysql must be a mysql:// URL: " + common::mask_url_password(url));
  std::vector<MysqlTableSize> out;
  try {
    sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
    std::unique_ptr<sql::Connection> conn(
        driver->connect("tcp://" + target.host + ":" + std::to_string(target.port), target.user, target.password));
    std::unique_ptr<sql::PreparedStatement> st(conn->prepareStatement(
        "SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(TABLE_ROWS, 0), COALESCE(DATA_LENGTH, 0), "
        "COALESCE(INDEX_LENGTH, 0) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'"));
    st->setString(1, target.dbname);
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    while (rs->next()) {
      MysqlTableSize s;
      s.schema = rs->getString(1);
      s.table = rs->getString(2);
      s.rows = rs->getInt64(3);
      s.data_bytes = rs->getInt64(4);
      s.index_bytes = rs->getInt64(5);
      out.push_back(std::move(s));
    }
  } catch (const sql::SQLException& e) {
    throw std::runtime_error("cannot read table sizes from " + common::mask_url_password(url) + ": " + e.what());
  }
  return out;
}

void apply_mysql_table_sizes(LintResult& result, const std::vector<MysqlTableSize>& sizes, const LiveThresholds& th) {
  for (Finding& f : result.findings) {
    if (f.rule.rfind("mysql-", 0) != 0 || f.table.empty()) continue;
    const MysqlTableSize* size = nullptr;
    for (const MysqlTableSize& s : sizes) {
      if (mysql::lower_ascii(s.table) == bare(f.table)) size = &s;
    }
    if (size == nullptr) continue;
    int64_t bytes = size->data_bytes + size->index_bytes;
    std::string note = f.table + ": about " + std::to_string(size->rows) + " rows, " + size_text(size->data_bytes) +
                       " of data and " + size_text(size->index_bytes) + " of indexes";
    bool work = f.rule == "mysql-alter-copy" || f.rule == "mysql-alter-rebuild" || f.rule == "mysql-alter-blocks-writes" ||
                f.rule == "mysql-optimize-table" || (f.rule == "mysql-alter-inplace" && f.scans_table);
    if (work) {
      double seconds = f.rule == "mysql-alter-copy" ? bytes / kCopyBytesPerSecond
                       : f.rule == "mysql-alter-inplace" ? size->data_bytes / kIndexBuildBytesPerSecond
                                                         : bytes / kRebuildBytesPerSecond;
      note += std::string("; ") + (f.rule == "mysql-alter-copy" ? "the copy" : f.rule == "mysql-alter-inplace" ? "the index build" : "the rebuild") +
              " takes " + duration_text(seconds) + " (rough estimate)";
      if (f.blocks != "nothing" && f.blocks.rfind("reads and writes, for", 0) != 0) note += ", with " + f.blocks + " blocked all that time";
    }
    f.notes.push_back(note + ".");
    if (!work || f.rule == "mysql-alter-refused") continue;
    bool large = size->rows >= th.large_table_rows || bytes >= th.large_table_bytes;
    bool small = size->rows < th.small_table_rows && bytes < th.large_table_bytes / 16;
    if (large) f.severity = raise(f.severity);
    else if (small) f.severity = lower(f.severity);
  }
}

void add_mysql_table_sizes(LintResult& result, const std::string& url, const LiveThresholds& thresholds) {
  apply_mysql_table_sizes(result, fetch_mysql_table_sizes(url), thresholds);
}

}  // namespace sluice::schema::lint
