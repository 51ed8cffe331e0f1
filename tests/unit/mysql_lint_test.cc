// The MySQL / MariaDB side of `sluice lint`: our tokenizer and parser for migration files, the
// online-DDL classifier (INSTANT / INPLACE / COPY and the lock) for both flavors, and the findings.
// The MariaDB verdicts here agree with a real MariaDB 10.11 (tests/integration/mysql_online_ddl_test.cc).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "schema/lint/mysql_alter_parser.h"
#include "schema/lint/mysql_lint.h"
#include "schema/lint/mysql_online_ddl.h"
#include "schema/lint/live_tables.h"
#include "schema/lint/mysql_table_sizes.h"

namespace sluice::schema::lint::mysql {
namespace {

// --- tokenizer and statement splitting ---

TEST(MysqlTokenizer, QuotesCommentsAndExecutableComments) {
  std::string text =
      "ALTER TABLE `my``table` -- a comment\n"
      "# another\n"
      "ADD COLUMN c VARCHAR(10) DEFAULT 'it''s \\' ok' /* block ; comment */ "
      "/*!50100 COMMENT \"x;y\" */;";
  ParseFailure failure;
  std::vector<Token> tokens = tokenize_mysql(text, &failure);
  std::vector<std::string> texts;
  for (const Token& t : tokens) texts.push_back(t.text);
  std::vector<std::string> expected = {"ALTER", "TABLE", "my`table", "ADD",  "COLUMN",      "c",  "VARCHAR",
                                       "(",     "10",    ")",        "DEFAULT", "'it''s \\' ok'", "COMMENT", "\"x;y\"", ";"};
  EXPECT_EQ(texts, expected);
  EXPECT_EQ(tokens[2].kind, TokenKind::Identifier);
  EXPECT_EQ(tokens[11].kind, TokenKind::String);
}

TEST(MysqlTokenizer, SplitsStatementsAndHonoursDelimiter) {
  std::string text =
      "SET foreign_key_checks = 0; ALTER TABLE t ADD c INT;\n"
      "DELIMITER //\n"
      "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END//\n"
      "DELIMITER $$\n"
      "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.c = 1; END$$\n"
      "DELIMITER ;\n"
      "ALTER TABLE t DROP c;";
  std::vector<SqlStatement> st = split_mysql_statements(text);
  ASSERT_EQ(st.size(), 5u);
  EXPECT_EQ(st[0].tokens.front().text, "SET");
  EXPECT_EQ(st[1].tokens.front().text, "ALTER");
  EXPECT_EQ(st[2].tokens.back().text, "END");
  EXPECT_EQ(st[3].tokens.back().text, "END");
  EXPECT_EQ(st[4].tokens.back().text, "c");
}

TEST(MysqlTokenizer, UnterminatedStringIsAFailureWithItsPosition) {
  ParsedFile f = parse_mysql_file("ALTER TABLE t ADD c INT;\nALTER TABLE t COMMENT 'oops;\n");
  ASSERT_EQ(f.failures.size(), 1u);
  EXPECT_EQ(f.failures[0].offset, std::string("ALTER TABLE t ADD c INT;\nALTER TABLE t COMMENT ").size());
  EXPECT_EQ(f.failures[0].message, "unterminated string literal");
  EXPECT_EQ(f.statements.size(), 1u);
}

// --- parser ---

struct ParseCase {
  const char* sql;
  std::vector<AlterOpKind> ops;
};

TEST(MysqlParser, AlterClauses) {
  std::vector<ParseCase> cases = {
      {"ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0 AFTER b", {AlterOpKind::AddColumn}},
      {"ALTER TABLE t ADD (a INT, b TEXT)", {AlterOpKind::AddColumn, AlterOpKind::AddColumn}},
      {"ALTER TABLE `db`.`t` DROP COLUMN c, DROP d, DROP INDEX i, DROP KEY k, DROP PRIMARY KEY, DROP FOREIGN KEY fk",
       {AlterOpKind::DropColumn, AlterOpKind::DropColumn, AlterOpKind::DropIndex, AlterOpKind::DropIndex,
        AlterOpKind::DropPrimaryKey, AlterOpKind::DropForeignKey}},
      {"ALTER TABLE t MODIFY c BIGINT UNSIGNED NOT NULL, CHANGE COLUMN a b VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
       {AlterOpKind::ModifyColumn, AlterOpKind::ModifyColumn}},
      {"ALTER TABLE t RENAME COLUMN a TO b, RENAME INDEX i TO j, RENAME TO t2",
       {AlterOpKind::RenameColumn, AlterOpKind::RenameIndex, AlterOpKind::RenameTable}},
      {"ALTER TABLE t ALTER COLUMN a SET DEFAULT 5, ALTER b DROP DEFAULT, ALTER INDEX i INVISIBLE",
       {AlterOpKind::SetDefault, AlterOpKind::DropDefault, AlterOpKind::IndexVisibility}},
      {"ALTER TABLE t ADD INDEX i (a, b(10) DESC), ADD UNIQUE KEY u (c), ADD FULLTEXT ft (d), ADD SPATIAL INDEX (g)",
       {AlterOpKind::AddKey, AlterOpKind::AddKey, AlterOpKind::AddKey, AlterOpKind::AddKey}},
      {"ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id) ON DELETE CASCADE, ADD CONSTRAINT ck CHECK (a > 0), ADD PRIMARY KEY (id)",
       {AlterOpKind::AddKey, AlterOpKind::AddKey, AlterOpKind::AddKey}},
      {"ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci, ENGINE=InnoDB ROW_FORMAT=DYNAMIC",
       {AlterOpKind::ConvertCharset, AlterOpKind::TableOption, AlterOpKind::TableOption}},
      {"ALTER TABLE t FORCE, ALGORITHM=INPLACE, LOCK=NONE", {AlterOpKind::Force}},
      {"ALTER TABLE t DEFAULT CHARSET = latin1, AUTO_INCREMENT = 100, COMMENT = 'x'",
       {AlterOpKind::TableOption, AlterOpKind::TableOption, AlterOpKind::TableOption}},
      {"ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (30)), DROP PARTITION p0",
       {AlterOpKind::Partition, AlterOpKind::Partition}},
      {"ALTER TABLE t ADD COLUMN g INT AS (a + 1) STORED, ADD COLUMN v INT GENERATED ALWAYS AS (a * 2) VIRTUAL",
       {AlterOpKind::AddColumn, AlterOpKind::AddColumn}},
      {"CREATE UNIQUE INDEX u ON t (a) ALGORITHM=INPLACE LOCK=NONE", {AlterOpKind::AddKey}},
      {"DROP INDEX i ON t", {AlterOpKind::DropIndex}},
      {"DROP INDEX `PRIMARY` ON t", {AlterOpKind::DropPrimaryKey}},
  };
  for (const ParseCase& c : cases) {
    SCOPED_TRACE(c.sql);
    ParsedFile f = parse_mysql_file(c.sql);
    ASSERT_TRUE(f.failures.empty()) << f.failures[0].message;
    ASSERT_EQ(f.statements.size(), 1u);
    ASSERT_EQ(f.statements[0].kind, StatementKind::AlterTable);
    std::vector<AlterOpKind> kinds;
    for (const AlterOp& op : f.statements[0].alter.ops) kinds.push_back(op.kind);
    EXPECT_EQ(kinds, c.ops);
  }
}

TEST(MysqlParser, DetailsOfColumnsKeysAndClauses) {
  ParsedFile f = parse_mysql_file(
      "ALTER ONLINE TABLE shop.orders CHANGE `old` `new` VARCHAR(64) CHARACTER SET utf8 NOT NULL DEFAULT '' "
      "COMMENT 'n' FIRST, ADD CONSTRAINT fk_c FOREIGN KEY (customer_id) REFERENCES customers (id), "
      "ALGORITHM = INSTANT, LOCK = NONE");
  ASSERT_TRUE(f.failures.empty());
  const AlterTable& a = f.statements[0].alter;
  EXPECT_EQ(a.table, "shop.orders");
  EXPECT_TRUE(a.online);
  EXPECT_EQ(a.algorithm, "INSTANT");
  EXPECT_EQ(a.lock, "NONE");
  ASSERT_EQ(a.ops.size(), 2u);
  EXPECT_EQ(a.ops[0].name, "old");
  EXPECT_EQ(a.ops[0].column.name, "new");
  EXPECT_EQ(a.ops[0].column.type.name, "VARCHAR");
  EXPECT_EQ(a.ops[0].column.type.args, std::vector<std::string>{"64"});
  EXPECT_EQ(a.ops[0].column.type.charset, "utf8mb3");
  EXPECT_EQ(a.ops[0].column.not_null, true);
  EXPECT_TRUE(a.ops[0].column.first);
  EXPECT_EQ(a.ops[1].key.kind, KeyKind::Foreign);
  EXPECT_EQ(a.ops[1].key.name, "fk_c");
  EXPECT_EQ(a.ops[1].key.columns, std::vector<std::string>{"customer_id"});
  EXPECT_EQ(a.ops[1].key.ref_table, "customers");
}

TEST(MysqlParser, OtherStatements) {
  ParsedFile f = parse_mysql_file(
      "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n"
      "SET SESSION lock_wait_timeout = 5;\n"
      "CREATE TABLE IF NOT EXISTS t (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, name VARCHAR(100) NOT NULL, "
      "body TEXT, PRIMARY KEY (id), KEY i_name (name), FULLTEXT KEY ft (body)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 "
      "ROW_FORMAT=COMPACT;\n"
      "RENAME TABLE a TO b, c TO d;\n"
      "OPTIMIZE TABLE t, u;\n"
      "INSERT INTO t VALUES (1, 'a;b', NULL);\n"
      "DROP TABLE IF EXISTS x, y;\n");
  ASSERT_TRUE(f.failures.empty()) << f.failures[0].message;
  ASSERT_EQ(f.statements.size(), 7u);
  ASSERT_EQ(f.statements[0].kind, StatementKind::Set);
  ASSERT_EQ(f.statements[0].sets.size(), 1u);
  EXPECT_EQ(f.statements[0].sets[0].name, "foreign_key_checks");
  EXPECT_EQ(f.statements[0].sets[0].value, "0");
  EXPECT_EQ(f.statements[1].sets[0].name, "lock_wait_timeout");
  const CreateTable& c = f.statements[2].create;
  EXPECT_EQ(c.table, "t");
  ASSERT_EQ(c.columns.size(), 3u);
  EXPECT_TRUE(c.columns[0].auto_increment);
  EXPECT_EQ(c.keys.size(), 3u);
  EXPECT_EQ(c.engine, "InnoDB");
  EXPECT_EQ(c.charset, "utf8mb4");
  EXPECT_EQ(c.row_format, "COMPACT");
  EXPECT_EQ(f.statements[3].kind, StatementKind::RenameTable);
  EXPECT_EQ(f.statements[3].renames.size(), 2u);
  EXPECT_EQ(f.statements[4].kind, StatementKind::OptimizeTable);
  EXPECT_EQ(f.statements[4].tables, (std::vector<std::string>{"t", "u"}));
  EXPECT_EQ(f.statements[5].kind, StatementKind::Other);
  EXPECT_EQ(f.statements[6].kind, StatementKind::DropTable);
}

struct ErrorCase {
  const char* sql;
  int line;
  int column;
  const char* message;
};

TEST(MysqlParser, ParseErrorsCarryLineAndColumn) {
  std::vector<ErrorCase> cases = {
      {"ALTER TABLE t ADD COLUMN", 1, 25, "expected a column name at the end of the statement"},
      {"ALTER TABLE t\n  FROB x", 2, 3, "unknown ALTER TABLE clause 'FROB'"},
      {"ALTER TABLE t ADD c INT,\n  ALGORITHM=FAST", 2, 13, "unknown ALGORITHM 'FAST'"},
      {"-- header\nALTER TABLE t ADD INDEX i (a, b", 2, 32, "expected ')' at the end of the statement"},
      {"ALTER TABLE t MODIFY c INT WHATEVER", 1, 28, "expected a column attribute, found 'WHATEVER'"},
      {"ALTER TABLE t ADD c INT DROP d", 1, 25, "expected a column attribute, found 'DROP'"},
      {"ALTER TABLE t ADD INDEX i (a) DROP d", 1, 31, "expected ',' or the end of the statement, found 'DROP'"},
      {"ALTER TABLE t ADD COLUMN c INT DEFAULT (1 + 2", 1, 40, "unbalanced parenthesis: '(' is never closed"},
      {"RENAME TABLE a b", 1, 16, "expected TO, found 'b'"},
      {"ALTER TABLE", 1, 12, "expected a table name at the end of the statement"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.sql);
    LintResult out;
    lint_mysql_file("m.sql", c.sql, out);
    ASSERT_EQ(out.errors.size(), 1u);
    EXPECT_EQ(out.errors[0].where.file, "m.sql");
    EXPECT_EQ(out.errors[0].where.line, c.line);
    EXPECT_EQ(out.errors[0].where.column, c.column);
    EXPECT_EQ(out.errors[0].message, c.message);
  }
}

TEST(MysqlParser, AParseErrorDoesNotStopTheRestOfTheFile) {
  LintResult out;
  lint_mysql_file("m.sql", "ALTER TABLE t FROB;\nALTER TABLE t ADD INDEX i (a);\n", out);
  ASSERT_EQ(out.errors.size(), 1u);
  ASSERT_FALSE(out.findings.empty());
  EXPECT_TRUE(std::any_of(out.findings.begin(), out.findings.end(),
                          [](const Finding& f) { return f.rule == "mysql-alter-inplace" && f.where.line == 2; }));
}

// --- classifier ---

struct ClassifyCase {
  const char* setup;  // CREATE TABLE, or "" when the table is unknown
  const char* alter;
  const char* algorithm;  // as the server names it: INSTANT, NOCOPY, INPLACE, COPY
  const char* lock;
  bool refused = false;
  Flavor flavor = Flavor::MariaDB;
};

std::string verdict_algorithm(const AlterVerdict& v, Flavor flavor) {
  if (v.algorithm == Algorithm::Inplace && !v.rebuild) return flavor == Flavor::MariaDB ? "NOCOPY" : "INPLACE-NOREBUILD";
  return to_string(v.algorithm);
}

AlterVerdict classify_text(const std::string& setup, const std::string& alter, Flavor flavor) {
  SchemaModel schema;
  OnlineDdlOptions o;
  o.flavor = flavor;
  ParsedFile f = parse_mysql_file(setup + ";\n" + alter);
  EXPECT_TRUE(f.failures.empty()) << (f.failures.empty() ? "" : f.failures[0].message);
  AlterVerdict v;
  for (const Statement& s : f.statements) {
    if (s.kind == StatementKind::CreateTable) schema.apply(s.create);
    if (s.kind == StatementKind::Set) {
      for (const SetVariable& var : s.sets) {
        if (var.name == "foreign_key_checks") o.foreign_key_checks = var.value != "0";
      }
    }
    if (s.kind == StatementKind::AlterTable) v = classify_alter(s.alter, schema.find(s.alter.table), o);
  }
  return v;
}

constexpr const char* kT =
    "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, b VARCHAR(50) CHARACTER SET utf8mb4, "
    "c VARCHAR(20) CHARACTER SET latin1 NOT NULL DEFAULT '', d INT NOT NULL, e ENUM('r','g'), f TEXT, g CHAR(10), "
    "KEY ia (a), KEY idx_d (d)) ENGINE=InnoDB";

TEST(MysqlOnlineDdl, MariaDbVerdicts) {
  std::vector<ClassifyCase> cases = {
      {kT, "ALTER TABLE t ADD COLUMN z INT", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ADD COLUMN z INT FIRST", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ADD COLUMN z INT NOT NULL", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ADD COLUMN z INT AUTO_INCREMENT UNIQUE", "INPLACE", "SHARED"},
      {kT, "ALTER TABLE t ADD COLUMN z INT AS (a+1) VIRTUAL", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ADD COLUMN z INT AS (a+1) STORED", "COPY", "SHARED"},
      {kT, "ALTER TABLE t DROP COLUMN f", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t DROP COLUMN a", "NOCOPY", "NONE"},
      {kT, "ALTER TABLE t DROP COLUMN id", "COPY", "SHARED"},
      {kT, "ALTER TABLE t MODIFY COLUMN a INT AFTER f", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t CHANGE COLUMN a a2 INT", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t RENAME COLUMN a TO a2", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ALTER COLUMN a SET DEFAULT 5", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ALTER COLUMN c DROP DEFAULT", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t MODIFY COLUMN b VARCHAR(60) CHARACTER SET utf8mb4", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t MODIFY COLUMN b VARCHAR(100) CHARACTER SET utf8mb4", "COPY", "SHARED"},
      {kT, "ALTER TABLE t MODIFY COLUMN c VARCHAR(256) CHARACTER SET latin1 NOT NULL DEFAULT ''", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t MODIFY COLUMN b VARCHAR(40) CHARACTER SET utf8mb4", "COPY", "SHARED"},
      {kT, "ALTER TABLE t MODIFY COLUMN a BIGINT", "COPY", "SHARED"},
      {kT, "ALTER TABLE t MODIFY COLUMN a INT UNSIGNED", "COPY", "SHARED"},
      {kT, "ALTER TABLE t MODIFY COLUMN d INT NULL", "INPLACE", "NONE"},
      {kT, "ALTER TABLE t MODIFY COLUMN a INT NOT NULL", "INPLACE", "NONE"},
      {kT, "ALTER TABLE t MODIFY COLUMN e ENUM('r','g','b')", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t MODIFY COLUMN e ENUM('g','r')", "COPY", "SHARED"},
      {kT, "ALTER TABLE t MODIFY COLUMN a INT COMMENT 'hi'", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ADD INDEX ib (b)", "NOCOPY", "NONE"},
      {kT, "ALTER TABLE t ADD FULLTEXT INDEX ft (f)", "INPLACE", "SHARED"},
      {kT, "ALTER TABLE t DROP INDEX ia", "NOCOPY", "NONE"},
      {kT, "ALTER TABLE t RENAME INDEX ia TO ia2", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t DROP PRIMARY KEY", "COPY", "SHARED"},
      {kT, "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, d)", "INPLACE", "NONE"},
      {kT, "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)", "COPY", "SHARED"},
      {"SET foreign_key_checks = 0", "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0)", "COPY", "SHARED"},
      {kT, "ALTER TABLE t DEFAULT CHARACTER SET utf8mb4", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ENGINE=InnoDB", "INPLACE", "NONE"},
      {kT, "ALTER TABLE t FORCE", "INPLACE", "NONE"},
      {kT, "ALTER TABLE t ROW_FORMAT=COMPACT", "INPLACE", "NONE"},
      {kT, "ALTER TABLE t AUTO_INCREMENT=100", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t COMMENT='x'", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t ADD COLUMN z INT, ADD INDEX iz (b)", "INPLACE", "NONE"},
      {kT, "ALTER TABLE t ADD COLUMN z INT, MODIFY COLUMN a BIGINT", "COPY", "SHARED"},
      {kT, "ALTER TABLE t RENAME COLUMN a TO a2, ADD INDEX ib (b)", "NOCOPY", "NONE"},
      {kT, "ALTER TABLE t ADD COLUMN z INT, DROP COLUMN f", "INSTANT", "NONE"},
      {kT, "ALTER TABLE t RENAME TO t2", "INSTANT", "EXCLUSIVE"},
      {"CREATE TABLE t (id INT, v VARCHAR(31) CHARACTER SET utf8mb4)",
       "ALTER TABLE t MODIFY v VARCHAR(100) CHARACTER SET utf8mb4", "INSTANT", "NONE"},
      {"CREATE TABLE t (id INT, v VARCHAR(32) CHARACTER SET utf8mb4)",
       "ALTER TABLE t MODIFY v VARCHAR(100) CHARACTER SET utf8mb4", "COPY", "SHARED"},
      {"CREATE TABLE t (id INT PRIMARY KEY, f TEXT, FULLTEXT KEY (f))", "ALTER TABLE t ADD COLUMN z INT", "INPLACE", "SHARED"},
      {"CREATE TABLE t (id INT PRIMARY KEY, f TEXT, x INT, FULLTEXT KEY (f))", "ALTER TABLE t DROP COLUMN x", "INPLACE", "SHARED"},
      {"CREATE TABLE t (id INT PRIMARY KEY, f TEXT, x INT, FULLTEXT KEY (f))", "ALTER TABLE t DROP COLUMN f", "INPLACE", "NONE"},
      {"CREATE TABLE t (id INT PRIMARY KEY, f TEXT, FULLTEXT KEY fx (f))", "ALTER TABLE t ADD FULLTEXT INDEX f2 (f)",
       "NOCOPY", "SHARED"},
      {"CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) CHARACTER SET utf8mb3)",
       "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4", "INSTANT", "NONE"},
      {"CREATE TABLE t (id INT PRIMARY KEY, v INT) ENGINE=MyISAM", "ALTER TABLE t ADD COLUMN z INT", "COPY", "SHARED"},
      {"CREATE TABLE t (id INT PRIMARY KEY, g POINT NOT NULL)", "ALTER TABLE t ADD SPATIAL INDEX sg (g)", "NOCOPY", "SHARED"},
      {"CREATE TABLE t (id INT, v INT)", "ALTER TABLE t ADD PRIMARY KEY (id)", "INPLACE", "NONE"},
      // Unknown table: the usual case is assumed.
      {"", "ALTER TABLE t ADD COLUMN z INT", "INSTANT", "NONE"},
      {"", "ALTER TABLE t MODIFY z BIGINT", "COPY", "SHARED"},
      {"", "CREATE INDEX i ON t (a)", "NOCOPY", "NONE"},
      {"", "DROP INDEX i ON t", "NOCOPY", "NONE"},
      // Explicit clauses.
      {kT, "ALTER TABLE t ADD INDEX ib (b), ALGORITHM=INSTANT", "NOCOPY", "NONE", true},
      {kT, "ALTER TABLE t ADD INDEX ib (b), ALGORITHM=NOCOPY, LOCK=NONE", "NOCOPY", "NONE"},
      {kT, "ALTER TABLE t MODIFY a BIGINT, ALGORITHM=INPLACE", "COPY", "SHARED", true},
      {kT, "ALTER TABLE t ADD FULLTEXT INDEX ft (f), LOCK=NONE", "INPLACE", "SHARED", true},
      {kT, "ALTER TABLE t ADD COLUMN z INT, ALGORITHM=COPY", "COPY", "SHARED"},
      {kT, "ALTER TABLE t ADD COLUMN z INT, ALGORITHM=COPY, LOCK=NONE", "INSTANT", "NONE", true},
      {kT, "ALTER TABLE t ADD INDEX ib (b), LOCK=SHARED", "NOCOPY", "SHARED"},
      {kT, "ALTER TABLE t FORCE, ALGORITHM=NOCOPY", "INPLACE", "NONE", true},
      {kT, "ALTER TABLE t RENAME TO t2, LOCK=SHARED", "INSTANT", "EXCLUSIVE", true},
      {kT, "ALTER ONLINE TABLE t MODIFY a BIGINT", "COPY", "SHARED", true},
      {kT, "CREATE INDEX i ON t (a) ALGORITHM=INSTANT", "NOCOPY", "NONE", true},
  };
  for (const ClassifyCase& c : cases) {
    SCOPED_TRACE(std::string(c.setup) + " | " + c.alter);
    AlterVerdict v = classify_text(c.setup, c.alter, c.flavor);
    EXPECT_EQ(verdict_algorithm(v, c.flavor), c.algorithm);
    EXPECT_EQ(std::string(to_string(v.lock)), c.lock);
    EXPECT_EQ(v.refused, c.refused) << v.refusal;
  }
}

TEST(MysqlOnlineDdl, MySql8Verdicts) {
  Flavor m = Flavor::MySQL8;
  std::vector<ClassifyCase> cases = {
      {kT, "ALTER TABLE t ADD COLUMN z INT", "INSTANT", "NONE", false, m},
      {kT, "ALTER TABLE t DROP COLUMN f", "INSTANT", "NONE", false, m},
      {kT, "ALTER TABLE t RENAME COLUMN a TO a2", "INSTANT", "NONE", false, m},
      {kT, "ALTER TABLE t MODIFY COLUMN a INT AFTER f", "INPLACE", "NONE", false, m},
      {kT, "ALTER TABLE t MODIFY COLUMN b VARCHAR(60) CHARACTER SET utf8mb4", "INPLACE-NOREBUILD", "NONE", false, m},
      // MySQL never crosses the 255-byte boundary in place, even from a short column.
      {"CREATE TABLE t (id INT, v VARCHAR(20) CHARACTER SET latin1)",
       "ALTER TABLE t MODIFY v VARCHAR(300) CHARACTER SET latin1", "COPY", "SHARED", false, m},
      {kT, "ALTER TABLE t ADD INDEX ib (b)", "INPLACE-NOREBUILD", "NONE", false, m},
      {kT, "ALTER TABLE t DROP INDEX ia", "INPLACE-NOREBUILD", "NONE", false, m},
      {kT, "ALTER TABLE t RENAME INDEX ia TO ia2", "INPLACE-NOREBUILD", "NONE", false, m},
      {kT, "ALTER TABLE t ADD FULLTEXT INDEX ft (f)", "INPLACE", "SHARED", false, m},
      {kT, "ALTER TABLE t DROP PRIMARY KEY", "COPY", "SHARED", false, m},
      {kT, "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)", "COPY", "SHARED", false, m},
      {"SET foreign_key_checks = 0", "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)",
       "INPLACE-NOREBUILD", "NONE", false, m},
      {kT, "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4", "COPY", "SHARED", false, m},
      {kT, "ALTER TABLE t MODIFY COLUMN a BIGINT", "COPY", "SHARED", false, m},
      // ALGORITHM=INPLACE on an instant ADD COLUMN: MySQL does what it is told and rebuilds.
      {kT, "ALTER TABLE t ADD COLUMN z INT, ALGORITHM=INPLACE", "INPLACE", "NONE", false, m},
      {kT, "ALTER TABLE t ADD COLUMN z INT, ALGORITHM=NOCOPY", "INSTANT", "NONE", true, m},
      {kT, "ALTER TABLE t ADD COLUMN z INT, ADD INDEX iz (b)", "INPLACE", "NONE", false, m},
  };
  for (const ClassifyCase& c : cases) {
    SCOPED_TRACE(std::string(c.setup) + " | " + c.alter);
    AlterVerdict v = classify_text(c.setup, c.alter, c.flavor);
    EXPECT_EQ(verdict_algorithm(v, c.flavor), c.algorithm);
    EXPECT_EQ(std::string(to_string(v.lock)), c.lock);
    EXPECT_EQ(v.refused, c.refused) << v.refusal;
  }
}

TEST(MysqlOnlineDdl, SchemaModelFollowsTheMigration) {
  // After the first MODIFY the column is VARCHAR(60): widening again stays instant; a later ADD
  // FULLTEXT makes ADD COLUMN a rebuild; a rename keeps the table known.
  std::string text = std::string(kT) +
                     ";\nALTER TABLE t MODIFY b VARCHAR(60) CHARACTER SET utf8mb4;"
                     "\nALTER TABLE t ADD FULLTEXT INDEX ft (f);"
                     "\nRENAME TABLE t TO t_new;"
                     "\nALTER TABLE t_new MODIFY b VARCHAR(63) CHARACTER SET utf8mb4, ADD COLUMN z INT;";
  ParsedFile f = parse_mysql_file(text);
  ASSERT_TRUE(f.failures.empty());
  SchemaModel schema;
  OnlineDdlOptions o;
  std::vector<AlterVerdict> verdicts;
  for (const Statement& s : f.statements) {
    if (s.kind == StatementKind::CreateTable) schema.apply(s.create);
    if (s.kind == StatementKind::RenameTable) {
      for (const auto& [from, to] : s.renames) schema.rename(from, to);
    }
    if (s.kind == StatementKind::AlterTable) {
      verdicts.push_back(classify_alter(s.alter, schema.find(s.alter.table), o));
      schema.apply(s.alter);
    }
  }
  ASSERT_EQ(verdicts.size(), 3u);
  EXPECT_EQ(verdicts[0].algorithm, Algorithm::Instant);
  EXPECT_EQ(verdicts[1].algorithm, Algorithm::Inplace);
  EXPECT_TRUE(verdicts[1].rebuild);
  EXPECT_EQ(verdicts[2].algorithm, Algorithm::Inplace);
  EXPECT_EQ(verdicts[2].lock, LockLevel::Shared);  // ADD COLUMN on a table with FULLTEXT
  EXPECT_FALSE(verdicts[2].uncertain);
}

}  // namespace
}  // namespace sluice::schema::lint::mysql

namespace sluice::schema::lint {
namespace {

const Finding* find_rule(const LintResult& r, const std::string& rule) {
  for (const Finding& f : r.findings) {
    if (f.rule == rule) return &f;
  }
  return nullptr;
}

struct RuleCase {
  const char* sql;
  const char* rule;
  Severity severity;
  const char* lock;
};

TEST(MysqlLint, EveryAlterGetsAVerdictFinding) {
  std::vector<RuleCase> cases = {
      {"ALTER TABLE t ADD COLUMN z INT", "mysql-alter-instant", Severity::Notice, "NONE"},
      {"ALTER TABLE t ALTER COLUMN a SET DEFAULT 1", "mysql-alter-instant", Severity::Notice, "NONE"},
      {"ALTER TABLE t DROP INDEX i", "mysql-alter-inplace", Severity::Notice, "NONE"},
      {"CREATE INDEX i ON t (a)", "mysql-alter-inplace", Severity::Warning, "NONE"},
      {"ALTER TABLE t ADD PRIMARY KEY (id)", "mysql-alter-rebuild", Severity::Warning, "NONE"},
      {"ALTER TABLE t ENGINE=InnoDB", "mysql-alter-rebuild", Severity::Warning, "NONE"},
      {"ALTER TABLE t ADD FULLTEXT INDEX ft (body)", "mysql-alter-blocks-writes", Severity::Error, "SHARED"},
      {"ALTER TABLE t DROP PRIMARY KEY", "mysql-alter-copy", Severity::Error, "SHARED"},
      {"ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)", "mysql-alter-copy", Severity::Error, "SHARED"},
      {"SET FOREIGN_KEY_CHECKS = 0; ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES p (id)",
       "mysql-alter-instant", Severity::Notice, "NONE"},
      {"ALTER TABLE t ADD INDEX i (a), ALGORITHM=INSTANT", "mysql-alter-refused", Severity::Error, "NONE"},
      {"ALTER TABLE t ORDER BY a", "mysql-alter-copy", Severity::Error, "SHARED"},
      // The current type is unknown: the COPY verdict is an assumption, so a warning.
      {"ALTER TABLE t MODIFY c BIGINT", "mysql-alter-copy", Severity::Warning, "SHARED"},
      {"CREATE TABLE t (id INT PRIMARY KEY, a INT); ALTER TABLE t MODIFY a BIGINT", "mysql-alter-copy", Severity::Notice,
       "SHARED"},
      {"OPTIMIZE TABLE t", "mysql-optimize-table", Severity::Warning, "NONE"},
  };
  for (const RuleCase& c : cases) {
    SCOPED_TRACE(c.sql);
    LintResult r;
    lint_mysql_file("m.sql", c.sql, r);
    ASSERT_TRUE(r.errors.empty()) << r.errors[0].message;
    const Finding* f = find_rule(r, c.rule);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->severity, c.severity) << f->message;
    EXPECT_EQ(f->lock, c.lock);
    EXPECT_FALSE(f->message.empty());
    EXPECT_FALSE(f->safe_alternative.empty());
    EXPECT_EQ(f->table, "t");
  }
}

TEST(MysqlLint, FindingFieldsAndSafeAlternatives) {
  LintResult r;
  lint_mysql_file("db/m.sql",
                  "SET lock_wait_timeout = 5;\n"
                  "CREATE TABLE p (id INT PRIMARY KEY);\n"
                  "  ALTER TABLE orders\n    ADD COLUMN note TEXT,\n    ADD INDEX i_c (customer_id);\n",
                  r);
  ASSERT_TRUE(r.errors.empty());
  const Finding* f = find_rule(r, "mysql-alter-rebuild");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->where.file, "db/m.sql");
  EXPECT_EQ(f->where.line, 3);
  EXPECT_EQ(f->where.column, 3);
  EXPECT_EQ(f->statement, "ALTER TABLE orders\n    ADD COLUMN note TEXT,\n    ADD INDEX i_c (customer_id)");
  EXPECT_TRUE(f->rewrites_table);
  EXPECT_TRUE(f->scans_table);
  EXPECT_EQ(f->blocks, "nothing");
  EXPECT_NE(f->message.find("INPLACE"), std::string::npos);
  EXPECT_NE(f->safe_alternative.find("Split it"), std::string::npos);
  EXPECT_EQ(find_rule(r, "mysql-lock-wait-timeout"), nullptr);
}

TEST(MysqlLint, OtherRules) {
  LintResult r;
  lint_mysql_file("m.sql",
                  "ALTER TABLE t DROP COLUMN a;\n"
                  "ALTER TABLE t RENAME COLUMN b TO c;\n"
                  "RENAME TABLE t TO u;\n"
                  "ALTER TABLE u ENGINE=InnoDB;\n"
                  "ALTER TABLE u FORCE;\n"
                  "DROP TABLE old_stuff;\n",
                  r);
  ASSERT_TRUE(r.errors.empty());
  for (const char* rule : {"mysql-drop-column", "mysql-rename-column", "mysql-rename-table", "mysql-combine-alters",
                           "mysql-drop-table", "mysql-lock-wait-timeout"}) {
    SCOPED_TRACE(rule);
    const Finding* f = find_rule(r, rule);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->severity, Severity::Warning);
  }
  EXPECT_EQ(find_rule(r, "mysql-lock-wait-timeout")->where.line, 1);
  EXPECT_EQ(find_rule(r, "mysql-combine-alters")->where.line, 5);
}

TEST(MysqlLint, TablesCreatedInTheFileAreExemptAndIgnoresWork) {
  LintResult r;
  lint_mysql_file("m.sql",
                  "CREATE TABLE fresh (id INT PRIMARY KEY, a INT);\n"
                  "ALTER TABLE fresh ADD CONSTRAINT ck CHECK (a > 0);\n"
                  "ALTER TABLE fresh DROP COLUMN a;\n"
                  "-- sluice:ignore mysql-alter-copy\n"
                  "ALTER TABLE old DROP PRIMARY KEY;\n",
                  r);
  ASSERT_TRUE(r.errors.empty());
  for (const Finding& f : r.findings) {
    if (f.table == "fresh") {
      EXPECT_EQ(f.severity, Severity::Notice) << f.rule;
    }
    if (f.table == "old") {
      EXPECT_NE(f.rule, "mysql-alter-copy");
    }
    EXPECT_NE(f.rule, "mysql-drop-column");
  }
}

TEST(MysqlLint, MySql8Flavor) {
  LintResult r;
  MysqlLintOptions o;
  o.flavor = mysql::Flavor::MySQL8;
  lint_mysql_file("m.sql", "ALTER TABLE t ADD COLUMN z INT, ALGORITHM=INPLACE, LOCK=NONE", r, o);
  const Finding* f = find_rule(r, "mysql-alter-rebuild");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->notes.back().find("MySQL 8.0"), std::string::npos);
}

TEST(MysqlTableSizes, NotesAndSeverityFollowTheTableSize) {
  LintResult r;
  lint_mysql_file("m.sql",
                  "SET lock_wait_timeout = 5;\n"
                  "ALTER TABLE big MODIFY a BIGINT, ALGORITHM=COPY;\n"
                  "ALTER TABLE big ADD INDEX i (a);\n"
                  "ALTER TABLE small ENGINE=InnoDB;\n"
                  "ALTER TABLE unknown ENGINE=InnoDB;\n",
                  r);
  ASSERT_EQ(r.findings.size(), 4u);
  std::vector<MysqlTableSize> sizes = {{"db", "big", 5'000'000, 4'000'000'000, 1'000'000'000},
                                       {"db", "small", 100, 16384, 0}};
  apply_mysql_table_sizes(r, sizes);
  EXPECT_EQ(r.findings[0].rule, "mysql-alter-copy");
  EXPECT_EQ(r.findings[0].severity, Severity::Error);
  EXPECT_EQ(r.findings[0].notes.back(),
            "big: about 5000000 rows, 3.7 GB of data and 954 MB of indexes; the copy takes about 8 min (rough "
            "estimate), with writes blocked all that time.");  // sizes in binary units, as live_tables writes them
  EXPECT_EQ(r.findings[1].rule, "mysql-alter-inplace");
  EXPECT_EQ(r.findings[1].severity, Severity::Error);  // raised from warning: an index build on a large table
  EXPECT_NE(r.findings[1].notes.back().find("the index build takes about 67 s"), std::string::npos);
  EXPECT_EQ(r.findings[2].rule, "mysql-alter-rebuild");
  EXPECT_EQ(r.findings[2].severity, Severity::Notice);  // lowered from warning: 100 rows
  EXPECT_EQ(r.findings[3].severity, Severity::Warning);  // no size known: unchanged
  EXPECT_EQ(duration_text(0.2), "under a second");
  EXPECT_EQ(size_text(340LL * 1024 * 1024), "340 MB");
}

}  // namespace
}  // namespace sluice::schema::lint
