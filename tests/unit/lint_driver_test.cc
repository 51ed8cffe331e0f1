// The linter driver: parse errors with positions, ignore directives, the config file.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/config_error.h"
#include "schema/lint/lint_config.h"
#include "schema/lint/linter.h"
#include "schema/lint/migration_file.h"

namespace sluice::schema::lint {
namespace {

LintResult lint(const std::string& sql, const LintOptions& options = {}) {
  LintResult result;
  lint_pg_text("m.sql", sql, options, result);
  return result;
}

bool has(const LintResult& r, std::string_view rule) {
  return std::any_of(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.rule == rule; });
}

TEST(LintParse, SyntaxErrorHasLineColumnAndMessage) {
  LintResult r = lint("SELECT 1;\nCREATE TABL x (a int);\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where.file, "m.sql");
  EXPECT_EQ(r.errors[0].where.line, 2);
  EXPECT_EQ(r.errors[0].where.column, 8);
  EXPECT_NE(r.errors[0].message.find("syntax error at or near \"TABL\""), std::string::npos);
  EXPECT_TRUE(r.findings.empty());
}

TEST(LintParse, ErrorColumnCountsBytesAfterMultibyteCharacters) {
  // libpg_query reports a character position; columns are bytes.
  LintResult r = lint("-- é\nCREATE TABLE é (a int,, b int);\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where.line, 2);
  EXPECT_EQ(r.errors[0].where.column, 24);  // the second comma; "é" is two bytes
}

TEST(LintParse, UnterminatedStringIsAnError) {
  LintResult r = lint("ALTER TABLE t ADD COLUMN a text DEFAULT 'x;\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].where.line, 1);
  EXPECT_EQ(r.errors[0].where.column, 41);
}

TEST(LintParse, EmptyFileAndCommentsOnlyAreClean) {
  EXPECT_TRUE(lint("").findings.empty());
  EXPECT_TRUE(lint("-- nothing\n/* here */\n").findings.empty());
  EXPECT_TRUE(lint("").errors.empty());
}

TEST(LintParse, StatementPositionsSkipLeadingComments) {
  LintResult r = lint("SELECT 1; -- done\n\n/* the index */\n  CREATE INDEX i ON t (a);");
  auto it = std::find_if(r.findings.begin(), r.findings.end(),
                         [](const Finding& f) { return f.rule == "require-concurrent-index-creation"; });
  ASSERT_NE(it, r.findings.end());
  EXPECT_EQ(it->where.line, 4);
  EXPECT_EQ(it->where.column, 3);
  EXPECT_EQ(it->statement, "CREATE INDEX i ON t (a)");
}

TEST(LintIgnore, LineBeforeIgnoresThatRuleForTheNextStatementOnly) {
  LintResult r = lint(
      "-- sluice:ignore require-concurrent-index-creation\n"
      "CREATE INDEX i ON t (a);\n"
      "CREATE INDEX j ON u (a);\n");
  ASSERT_EQ(std::count_if(r.findings.begin(), r.findings.end(),
                          [](const Finding& f) { return f.rule == "require-concurrent-index-creation"; }),
            1);
  for (const Finding& f : r.findings) {
    if (f.rule == "require-concurrent-index-creation") {
      EXPECT_EQ(f.where.line, 3);
    }
  }
  EXPECT_TRUE(has(r, "missing-if-exists"));  // other rules still apply to line 2
}

TEST(LintIgnore, SeveralRulesAndTrailingComment) {
  LintResult r = lint(
      "CREATE INDEX i ON t (a); -- sluice:ignore require-concurrent-index-creation, missing-if-exists\n"
      "DROP TABLE t; /* sluice:ignore drop-table */\n");
  EXPECT_FALSE(has(r, "require-concurrent-index-creation"));
  EXPECT_FALSE(has(r, "drop-table"));
  EXPECT_TRUE(has(r, "missing-if-exists"));  // DROP TABLE still has it
}

TEST(LintIgnore, BareIgnoreCoversEveryRule) {
  LintResult r = lint("-- sluice:ignore\nCREATE INDEX i ON t (a);\n");
  EXPECT_TRUE(r.findings.empty());
}

TEST(LintIgnore, FileLevelDirective) {
  LintResult r = lint(
      "-- sluice:ignore-file missing-if-exists require-lock-timeout\n"
      "CREATE TABLE a (id bigint);\n"
      "ALTER TABLE t ADD COLUMN c int;\n"
      "DROP TABLE t;\n");
  EXPECT_FALSE(has(r, "missing-if-exists"));
  EXPECT_FALSE(has(r, "require-lock-timeout"));
  EXPECT_TRUE(has(r, "drop-table"));
}

TEST(LintIgnore, DirectiveInsideAStringDoesNotCount) {
  LintResult r = lint("SELECT '-- sluice:ignore-file';\nDROP TABLE t;\n");
  EXPECT_TRUE(has(r, "drop-table"));
}

TEST(LintConfigFile, ExcludesAndSeverityOverrides) {
  LintOptions options;
  options.config = load_lint_config_string(
      "exclude_rules = [\"missing-if-exists\"]\n"
      "[severity]\n"
      "drop-table = \"error\"\n",
      "lint.toml");
  LintResult r = lint("DROP TABLE t;\n", options);
  EXPECT_FALSE(has(r, "missing-if-exists"));
  auto it = std::find_if(r.findings.begin(), r.findings.end(), [](const Finding& f) { return f.rule == "drop-table"; });
  ASSERT_NE(it, r.findings.end());
  EXPECT_EQ(it->severity, Severity::Error);
}

TEST(LintConfigFile, AllKeys) {
  LintConfig c = load_lint_config_string(
      "fail_on = \"warning\"\n"
      "exclude_paths = [\"legacy/*.sql\"]\n"
      "[postgres]\nversion = 10\nassume_in_transaction = true\n"
      "[live]\nlarge_table_rows = 5000000\nsmall_table_rows = 100\n",
      "lint.toml");
  EXPECT_EQ(c.fail_on, Severity::Warning);
  EXPECT_EQ(c.pg_version, 10);
  EXPECT_EQ(c.assume_in_transaction, true);
  EXPECT_EQ(c.live.large_table_rows, 5000000);
  EXPECT_EQ(c.live.small_table_rows, 100);
  EXPECT_TRUE(c.path_excluded("legacy/001.sql"));
  EXPECT_FALSE(c.path_excluded("db/001.sql"));
}

std::string config_error(const std::string& toml) {
  try {
    load_lint_config_string(toml, "lint.toml");
  } catch (const common::ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(LintConfigFile, ErrorsNameFileLineAndColumn) {
  EXPECT_EQ(config_error("fail_on = \"error\"\nexclude_rule = []\n"),
            "lint.toml:2:1: unknown key 'exclude_rule' (did you mean 'exclude_rules'?)");
  EXPECT_EQ(config_error("exclude_rules = [\"drop-tabel\"]\n"),
            "lint.toml:1:18: unknown rule 'drop-tabel' (did you mean 'drop-table'?)");
  EXPECT_EQ(config_error("[severity]\ndrop-table = \"fatal\"\n"),
            "lint.toml:2:14: severity.drop-table must be one of notice, warning, error");
  EXPECT_EQ(config_error("[postgres]\nversoin = 14\n"),
            "lint.toml:2:1: unknown key 'versoin' in [postgres] (did you mean 'version'?)");
  EXPECT_EQ(config_error("[postgres]\nversion = \"15\"\n"), "lint.toml:2:11: postgres.version must be an integer");
  EXPECT_NE(config_error("fail_on = \n").find("lint.toml:1:"), std::string::npos);
  // MySQL rule ids belong to that checker.
  EXPECT_EQ(config_error("exclude_rules = [\"mysql-copy-algorithm\"]\n"), "");
}

TEST(LintPaths, DirectoriesExpandToSortedSqlFilesAndExcludesApply) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("sluice_lint_paths_" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "b.sql") << "DROP TABLE b;\n";
  std::ofstream(dir / "a.sql") << "DROP TABLE a;\n";
  std::ofstream(dir / "sub" / "c.sql") << "DROP TABLE c;\n";
  std::ofstream(dir / "notes.txt") << "DROP TABLE nope;\n";
  LintOptions options;
  options.config.exclude_paths = {"c.sql"};
  std::size_t files = 0;
  LintResult r = lint_paths({dir.string(), (dir / "missing.sql").string()}, options, &files);
  EXPECT_EQ(files, 2u);
  std::vector<std::string> tables;
  for (const Finding& f : r.findings) {
    if (f.rule == "drop-table") tables.push_back(f.table);
  }
  EXPECT_EQ(tables, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message, "no such file");
  fs::remove_all(dir);
}

TEST(MigrationFileTest, LineIndexAndCharOffsets) {
  LineIndex lines("ab\ncd\n\nx");
  EXPECT_EQ(lines.line_of(0), 1);
  EXPECT_EQ(lines.column_of(1), 2);
  EXPECT_EQ(lines.line_of(3), 2);
  EXPECT_EQ(lines.line_of(6), 3);
  EXPECT_EQ(lines.line_of(7), 4);
  EXPECT_EQ(byte_offset_of_char("aéb", 3), 3u);
  EXPECT_EQ(byte_offset_of_char("aéb", 9), 4u);
}

}  // namespace
}  // namespace sluice::schema::lint
