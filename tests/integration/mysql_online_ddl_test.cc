// The MySQL / MariaDB online-DDL classifier of `sluice lint` against a real MariaDB 10.11.
//
// For each case: create a scratch table, then ask the server to run the same ALTER with
// ALGORITHM=INSTANT, NOCOPY, INPLACE and COPY in turn (the server refuses what it cannot do with
// ER_ALTER_OPERATION_NOT_SUPPORTED[_REASON] before touching the table); the first it accepts is
// its algorithm. Then, at that algorithm, LOCK=NONE, SHARED, EXCLUSIVE: the first accepted is the
// lock it needs. The linter must name the same algorithm (NOCOPY = INPLACE without rebuild) and
// lock, and must predict every refusal the server gave.
#include <gtest/gtest.h>

#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/statement.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "schema/lint/mysql_alter_parser.h"
#include "schema/lint/mysql_lint.h"
#include "schema/lint/mysql_online_ddl.h"
#include "schema/lint/mysql_table_sizes.h"
#include "tests/fixtures/mariadb_server.h"

namespace sluice::testing {
namespace {

namespace my = sluice::schema::lint::mysql;
namespace lint = sluice::schema::lint;

constexpr int kErAlterOperationNotSupported = 1845;
constexpr int kErAlterOperationNotSupportedReason = 1846;

struct DdlCase {
  std::string setup;    // statements run before, ';'-separated (CREATE TABLE t ..., SET ...)
  std::string clauses;  // what follows "ALTER TABLE t "
};

const char* const kAlgorithms[] = {"INSTANT", "NOCOPY", "INPLACE", "COPY"};
const char* const kLocks[] = {"NONE", "SHARED", "EXCLUSIVE"};

constexpr const char* kWide =
    "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, b VARCHAR(50) CHARACTER SET utf8mb4, "
    "c VARCHAR(20) CHARACTER SET latin1 NOT NULL DEFAULT '', d INT NOT NULL, e ENUM('r','g'), f TEXT, g CHAR(10), "
    "KEY ia (a), KEY idx_d (d)) ENGINE=InnoDB";

std::vector<DdlCase> cases() {
  std::string w = kWide;
  return {
      // columns
      {w, "ADD COLUMN z INT"},
      {w, "ADD COLUMN z INT FIRST"},
      {w, "ADD COLUMN z INT NOT NULL DEFAULT 7 AFTER id"},
      {w, "ADD COLUMN z INT AUTO_INCREMENT UNIQUE"},
      {w, "ADD COLUMN z INT AS (a + 1) VIRTUAL"},
      {w, "ADD COLUMN z INT AS (a + 1) STORED"},
      {w, "ADD COLUMN z INT UNIQUE"},
      {w, "DROP COLUMN f"},
      {w, "DROP COLUMN a"},
      {w, "DROP COLUMN id"},
      {w, "MODIFY COLUMN a INT AFTER f"},
      {w, "CHANGE COLUMN a a2 INT"},
      {w, "RENAME COLUMN a TO a2"},
      {w, "ALTER COLUMN a SET DEFAULT 5"},
      {w, "ALTER COLUMN c DROP DEFAULT"},
      {w, "MODIFY COLUMN a INT COMMENT 'hi'"},
      {w, "MODIFY COLUMN b VARCHAR(60) CHARACTER SET utf8mb4"},
      {w, "MODIFY COLUMN b VARCHAR(100) CHARACTER SET utf8mb4"},
      {w, "MODIFY COLUMN b VARCHAR(40) CHARACTER SET utf8mb4"},
      {w, "MODIFY COLUMN c VARCHAR(255) CHARACTER SET latin1 NOT NULL DEFAULT ''"},
      {w, "MODIFY COLUMN c VARCHAR(256) CHARACTER SET latin1 NOT NULL DEFAULT ''"},
      {"CREATE TABLE t (id INT, v VARCHAR(31) CHARACTER SET utf8mb4)", "MODIFY v VARCHAR(100) CHARACTER SET utf8mb4"},
      {"CREATE TABLE t (id INT, v VARCHAR(32) CHARACTER SET utf8mb4)", "MODIFY v VARCHAR(100) CHARACTER SET utf8mb4"},
      {"CREATE TABLE t (id INT, v VARCHAR(300) CHARACTER SET latin1, KEY (v))", "MODIFY v VARCHAR(400) CHARACTER SET latin1"},
      {w, "MODIFY COLUMN b VARCHAR(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"},
      {"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb3)", "MODIFY v VARCHAR(20) CHARACTER SET utf8mb4"},
      {w, "MODIFY COLUMN c VARCHAR(20) CHARACTER SET utf8mb4 NOT NULL DEFAULT ''"},
      {w, "MODIFY COLUMN a BIGINT"},
      {w, "MODIFY COLUMN a INT UNSIGNED"},
      {w, "MODIFY COLUMN id BIGINT NOT NULL"},
      {w, "MODIFY COLUMN g CHAR(20)"},
      {w, "MODIFY COLUMN f MEDIUMTEXT"},
      {"CREATE TABLE t (id INT PRIMARY KEY, v CHAR(20))", "MODIFY v VARCHAR(20)"},
      {w, "MODIFY COLUMN d INT NULL"},
      {w, "MODIFY COLUMN a INT NOT NULL"},
      {w, "MODIFY COLUMN a INT NULL DEFAULT 3"},
      {w, "MODIFY COLUMN e ENUM('r','g','b')"},
      {w, "MODIFY COLUMN e ENUM('g','r')"},
      // indexes and keys
      {w, "ADD INDEX ib (b)"},
      {w, "ADD UNIQUE INDEX ub (b)"},
      {w, "ADD INDEX ib2 (b(10), g) USING BTREE"},
      {w, "ADD FULLTEXT INDEX ft (f)"},
      {"CREATE TABLE t (id INT PRIMARY KEY, f TEXT, FULLTEXT KEY fx (f))", "ADD FULLTEXT INDEX f2 (f)"},
      {"CREATE TABLE t (id INT PRIMARY KEY, g POINT NOT NULL)", "ADD SPATIAL INDEX sg (g)"},
      {w, "DROP INDEX ia"},
      {w, "RENAME INDEX ia TO ia2"},
      {w, "ALTER INDEX ia IGNORED"},
      {"CREATE TABLE t (id INT NOT NULL, v INT)", "ADD PRIMARY KEY (id)"},
      {w, "DROP PRIMARY KEY"},
      {w, "DROP PRIMARY KEY, ADD PRIMARY KEY (id, d)"},
      {w, "ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)"},
      {"SET foreign_key_checks = 0; " + w, "ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)"},
      {"CREATE TABLE t (id INT PRIMARY KEY, a INT, CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id))", "DROP FOREIGN KEY fk"},
      {w, "ADD CONSTRAINT ck CHECK (a > 0)"},
      {"CREATE TABLE t (id INT PRIMARY KEY, a INT, CONSTRAINT ck CHECK (a > 0))", "DROP CONSTRAINT ck"},
      // table
      {w, "CONVERT TO CHARACTER SET utf8mb4"},
      {"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb3)", "CONVERT TO CHARACTER SET utf8mb4"},
      {w, "DEFAULT CHARACTER SET utf8mb4"},
      {w, "ENGINE=InnoDB"},
      {w, "FORCE"},
      {w, "ROW_FORMAT=COMPACT"},
      {w, "KEY_BLOCK_SIZE=8"},
      {w, "AUTO_INCREMENT=100"},
      {w, "COMMENT='x'"},
      {w, "STATS_PERSISTENT=0"},
      {w, "RENAME TO t_renamed"},
      {"CREATE TABLE t (id INT PRIMARY KEY, v INT) ENGINE=MyISAM", "ADD COLUMN z INT"},
      {"CREATE TABLE t (id INT PRIMARY KEY, v INT) ROW_FORMAT=COMPRESSED", "ADD COLUMN z INT"},
      {"CREATE TABLE t (id INT PRIMARY KEY, f TEXT, FULLTEXT KEY (f))", "ADD COLUMN z INT"},
      {"CREATE TABLE t (id INT PRIMARY KEY, f TEXT, x INT, FULLTEXT KEY (f))", "DROP COLUMN x"},
      {"CREATE TABLE t (id INT PRIMARY KEY, f TEXT, x INT, FULLTEXT KEY (f))", "DROP COLUMN f"},
      // several clauses
      {w, "ADD COLUMN z INT, ADD INDEX iz (b)"},
      {w, "ADD COLUMN z INT, MODIFY COLUMN a BIGINT"},
      {w, "RENAME COLUMN a TO a2, ADD INDEX ib (b)"},
      {w, "DROP COLUMN f, ADD INDEX ib (b)"},
      {w, "ADD COLUMN z INT, DROP COLUMN f"},
      {w, "ADD COLUMN z INT, ALTER COLUMN a SET DEFAULT 2"},
      {w, "DROP INDEX ia, ADD INDEX ia (a, d)"},
  };
}

struct ServerAnswer {
  std::string algorithm;  // first accepted of INSTANT, NOCOPY, INPLACE, COPY ("" = none)
  std::string lock;       // first accepted at that algorithm
  std::vector<std::string> refused_algorithms;
  std::vector<std::string> refused_locks;
};

std::vector<std::string> split_statements(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string part;
  while (std::getline(in, part, ';')) {
    if (part.find_first_not_of(" \n\t") != std::string::npos) out.push_back(part);
  }
  return out;
}

class MysqlOnlineDdlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new MariaDbServer();
    auto started = server_->start();
    if (!started) {
      start_error_ = new std::string(started.message());
      return;
    }
    conn_ = server_->connect().release();
  }

  static void TearDownTestSuite() {
    delete conn_;
    conn_ = nullptr;
    delete server_;
    server_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
  }

  static void exec(const std::string& sql) {
    std::unique_ptr<sql::Statement> st(conn_->createStatement());
    st->execute(sql);
  }

  // Runs sql; true when accepted, false when refused as not supported; any other error fails.
  static bool try_alter(const std::string& sql) {
    try {
      exec(sql);
      return true;
    } catch (const sql::SQLException& e) {
      int code = e.getErrorCode();
      EXPECT_TRUE(code == kErAlterOperationNotSupported || code == kErAlterOperationNotSupportedReason)
          << sql << ": unexpected error " << code << " " << e.what();
      return false;
    }
  }

  static void recreate(const DdlCase& c) {
    exec("SET foreign_key_checks = 1");
    exec("DROP TABLE IF EXISTS t, t_renamed");
    for (const std::string& s : split_statements(c.setup)) exec(s);
  }

  static ServerAnswer ask_server(const DdlCase& c) {
    ServerAnswer a;
    recreate(c);
    for (const char* algo : kAlgorithms) {
      if (try_alter("ALTER TABLE t " + c.clauses + ", ALGORITHM=" + algo)) {
        a.algorithm = algo;
        break;
      }
      a.refused_algorithms.push_back(algo);
    }
    if (a.algorithm.empty()) return a;
    recreate(c);
    for (const char* lock : kLocks) {
      if (try_alter("ALTER TABLE t " + c.clauses + ", ALGORITHM=" + a.algorithm + ", LOCK=" + lock)) {
        a.lock = lock;
        break;
      }
      a.refused_locks.push_back(lock);
    }
    return a;
  }

  static MariaDbServer* server_;
  static sql::Connection* conn_;
  static std::string* start_error_;
};

MariaDbServer* MysqlOnlineDdlTest::server_ = nullptr;
sql::Connection* MysqlOnlineDdlTest::conn_ = nullptr;
std::string* MysqlOnlineDdlTest::start_error_ = nullptr;

// The linter's verdict for `setup; ALTER TABLE t clauses[, suffix]` (MariaDB flavor).
my::AlterVerdict lint_verdict(const DdlCase& c, const std::string& suffix = "") {
  std::string text = c.setup + ";\nALTER TABLE t " + c.clauses + suffix + ";\n";
  my::ParsedFile f = my::parse_mysql_file(text);
  EXPECT_TRUE(f.failures.empty()) << text << ": " << (f.failures.empty() ? "" : f.failures[0].message);
  my::SchemaModel schema;
  my::OnlineDdlOptions o;
  my::AlterVerdict v;
  for (const my::Statement& s : f.statements) {
    if (s.kind == my::StatementKind::CreateTable) schema.apply(s.create);
    if (s.kind == my::StatementKind::Set) {
      for (const my::SetVariable& var : s.sets) {
        if (var.name == "foreign_key_checks") o.foreign_key_checks = var.value != "0";
      }
    }
    if (s.kind == my::StatementKind::AlterTable) v = my::classify_alter(s.alter, schema.find(s.alter.table), o);
  }
  return v;
}

TEST_F(MysqlOnlineDdlTest, ClassificationAgreesWithMariaDb) {
  ASSERT_GE(cases().size(), 25u);
  exec("CREATE TABLE IF NOT EXISTS p (id INT PRIMARY KEY) ENGINE=InnoDB");
  int agreed = 0;
  std::ostringstream table;
  for (const DdlCase& c : cases()) {
    SCOPED_TRACE("ALTER TABLE t " + c.clauses + "   [setup: " + c.setup + "]");
    ServerAnswer server = ask_server(c);
    ASSERT_FALSE(server.algorithm.empty()) << "the server accepted no algorithm";
    my::AlterVerdict v = lint_verdict(c);
    std::string ours = my::algorithm_name(v.algorithm, v.rebuild, my::Flavor::MariaDB);
    bool same = ours == server.algorithm && my::to_string(v.lock) == server.lock;
    EXPECT_EQ(ours, server.algorithm);
    EXPECT_EQ(std::string(my::to_string(v.lock)), server.lock);
    EXPECT_FALSE(v.refused);
    // Every ALGORITHM= / LOCK= the server refused, the linter says it refuses.
    for (const std::string& algo : server.refused_algorithms) {
      my::AlterVerdict r = lint_verdict(c, ", ALGORITHM=" + algo);
      EXPECT_TRUE(r.refused) << "ALGORITHM=" << algo << " was refused by the server";
      same = same && r.refused;
    }
    my::AlterVerdict accepted = lint_verdict(c, ", ALGORITHM=" + server.algorithm + ", LOCK=" + server.lock);
    EXPECT_FALSE(accepted.refused) << accepted.refusal;
    for (const std::string& lock : server.refused_locks) {
      my::AlterVerdict r = lint_verdict(c, ", ALGORITHM=" + server.algorithm + ", LOCK=" + lock);
      EXPECT_TRUE(r.refused) << "ALGORITHM=" << server.algorithm << ", LOCK=" << lock << " was refused by the server";
      same = same && r.refused;
    }
    if (same) ++agreed;
    table << (same ? "  ok   " : "  DIFF ") << server.algorithm << "/" << server.lock << "  linter " << ours << "/"
          << my::to_string(v.lock) << "   ALTER TABLE t " << c.clauses << "\n";
  }
  std::cout << "MariaDB online DDL: " << agreed << " of " << cases().size() << " ALTER forms agree\n" << table.str();
}

TEST_F(MysqlOnlineDdlTest, LintFindingForARealRefusal) {
  // The finding says the server refuses, and the server does.
  DdlCase c{kWide, "MODIFY COLUMN a BIGINT, ALGORITHM=INPLACE"};
  lint::LintResult r;
  lint::lint_mysql_file("m.sql", c.setup + ";\nALTER TABLE t " + c.clauses + ";\n", r);
  ASSERT_TRUE(r.errors.empty());
  auto it = std::find_if(r.findings.begin(), r.findings.end(), [](const lint::Finding& f) { return f.rule == "mysql-alter-refused"; });
  ASSERT_NE(it, r.findings.end());
  EXPECT_EQ(it->severity, lint::Severity::Error);
  EXPECT_EQ(it->where.line, 2);
  recreate(c);
  EXPECT_FALSE(try_alter("ALTER TABLE t " + c.clauses));
}

TEST_F(MysqlOnlineDdlTest, LiveTableSizesFromTheServer) {
  exec("DROP TABLE IF EXISTS sized");
  exec("CREATE TABLE sized (id INT PRIMARY KEY, a INT) ENGINE=InnoDB");
  exec("INSERT INTO sized SELECT seq, seq FROM seq_1_to_20000");
  exec("ANALYZE TABLE sized");
  lint::LintResult r;
  lint::lint_mysql_file("m.sql", "SET lock_wait_timeout = 5; ALTER TABLE sized MODIFY a BIGINT;", r);
  ASSERT_EQ(r.findings.size(), 1u);
  ASSERT_EQ(r.findings[0].rule, "mysql-alter-copy");
  lint::LiveThresholds th;
  th.large_table_rows = 10'000;
  lint::add_mysql_table_sizes(r, server_->url(), th);
  EXPECT_EQ(r.findings[0].severity, lint::Severity::Error);  // the unknown type made it a warning; 20,000 rows raise it
  ASSERT_FALSE(r.findings[0].notes.empty());
  EXPECT_NE(r.findings[0].notes.back().find("sized: about "), std::string::npos) << r.findings[0].notes.back();
  EXPECT_NE(r.findings[0].notes.back().find("the copy takes"), std::string::npos);
  EXPECT_THROW(lint::add_mysql_table_sizes(r, "mysql://root@127.0.0.1:1/testdb"), std::runtime_error);
}

}  // namespace
}  // namespace sluice::testing
