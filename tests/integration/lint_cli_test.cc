// `sluice lint` as a user runs it: the built binary, its exit codes and output formats.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fixtures/proxy_process.h"
#include "tests/fixtures/subprocess.h"
#include "tests/fixtures/temp_dir.h"

namespace sluice::testing {
namespace {

class LintCli : public ::testing::Test {
 protected:
  RunResult lint(std::vector<std::string> args) {
    args.insert(args.begin(), {ProxyProcess::binary_path(), "lint"});
    RunOptions options;
    options.timeout = std::chrono::milliseconds(30000);
    return run_command(args, options);
  }
  std::string write(const std::string& name, const std::string& sql) { return dir_.write_file(name, sql); }

  TempDir dir_{"sluice-lint"};
};

constexpr const char* kSafe =
    "SET lock_timeout = '2s';\n"
    "SET statement_timeout = '10s';\n"
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_idx ON orders (customer_id);\n";
constexpr const char* kUnsafe = "CREATE INDEX IF NOT EXISTS orders_customer_idx ON orders (customer_id);\n";
constexpr const char* kWarningOnly =
    "SET lock_timeout = '2s';\nSET statement_timeout = '10s';\nALTER TABLE orders DROP COLUMN IF EXISTS legacy;\n";

TEST_F(LintCli, CleanFileExitsZero) {
  RunResult r = lint({write("001.sql", kSafe)});
  EXPECT_EQ(r.status.code, 0) << r.describe();
  EXPECT_NE(r.output.find("0 errors, 0 warnings, 0 notices in 1 file"), std::string::npos) << r.output;
}

TEST_F(LintCli, ErrorFindingExitsOne) {
  RunResult r = lint({write("001.sql", kUnsafe)});
  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_NE(r.output.find("001.sql:1:1: error [require-concurrent-index-creation]"), std::string::npos) << r.output;
}

TEST_F(LintCli, FailOnDecidesWhetherWarningsFail) {
  std::string file = write("002.sql", kWarningOnly);
  EXPECT_EQ(lint({file}).status.code, 0);
  RunResult r = lint({"--fail-on", "warning", file});
  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_NE(r.output.find("warning [drop-column]"), std::string::npos);
}

TEST_F(LintCli, ParseErrorExitsTwoWithPosition) {
  RunResult r = lint({write("001.sql", kUnsafe), write("003.sql", "SELECT 1;\nALTER TABLE orders ADD;\n")});
  EXPECT_EQ(r.status.code, 2) << r.describe();
  EXPECT_NE(r.output.find("003.sql:2:23: parse error: syntax error at or near \";\""), std::string::npos) << r.output;
}

TEST_F(LintCli, UsageErrorsExitTwo) {
  EXPECT_EQ(lint({}).status.code, 2);
  EXPECT_EQ(lint({"--format", "xml", write("001.sql", kSafe)}).status.code, 2);
  EXPECT_EQ(lint({"--fail-on", "fatal", write("001.sql", kSafe)}).status.code, 2);
  EXPECT_EQ(lint({"--no-such-flag", write("001.sql", kSafe)}).status.code, 2);
  EXPECT_EQ(lint({dir_.file("missing.sql")}).status.code, 2);
  std::string config = write("lint.toml", "exclude_rule = []\n");
  RunResult r = lint({"--config", config, write("001.sql", kSafe)});
  EXPECT_EQ(r.status.code, 2);
  EXPECT_NE(r.output.find("lint.toml:1:1: unknown key 'exclude_rule'"), std::string::npos) << r.output;
}

TEST_F(LintCli, ConfigExcludesAndOverrides) {
  std::string file = write("001.sql", kUnsafe);
  std::string config = write("lint.toml", "exclude_rules = [\"require-concurrent-index-creation\"]\n");
  EXPECT_EQ(lint({"--config", config, file}).status.code, 0);
  std::string strict = write("strict.toml", "[severity]\ndrop-column = \"error\"\n");
  EXPECT_EQ(lint({"--config", strict, write("002.sql", kWarningOnly)}).status.code, 1);
}

TEST_F(LintCli, JsonFormat) {
  RunResult r = lint({"--format", "json", write("001.sql", kUnsafe)});
  EXPECT_EQ(r.status.code, 1);
  nlohmann::json doc = nlohmann::json::parse(r.output);
  EXPECT_EQ(doc["format_version"], 1);
  EXPECT_EQ(doc["summary"]["error"], 1);
  EXPECT_EQ(doc["findings"][0]["rule"], "require-concurrent-index-creation");
}

TEST_F(LintCli, GithubAndSarifAndMarkdown) {
  std::string file = write("001.sql", kUnsafe);
  RunResult gh = lint({"--format", "github", file});
  EXPECT_EQ(gh.output.rfind("::error file=" + file + ",line=1,col=1,", 0), 0u) << gh.output;
  RunResult sarif = lint({"--format", "sarif", file});
  EXPECT_EQ(nlohmann::json::parse(sarif.output)["version"], "2.1.0");
  RunResult md = lint({"--format", "markdown", file});
  EXPECT_EQ(md.output.rfind("### sluice lint", 0), 0u) << md.output;
}

TEST_F(LintCli, PgVersionChangesVerdicts) {
  std::string file = write("004.sql",
                           "SET lock_timeout = '2s';\nSET statement_timeout = '10s';\n"
                           "ALTER TABLE orders ADD COLUMN IF NOT EXISTS flag boolean NOT NULL DEFAULT false;\n");
  EXPECT_EQ(lint({file}).status.code, 0);
  RunResult r = lint({"--pg-version", "10", file});
  EXPECT_EQ(r.status.code, 1) << r.describe();
  EXPECT_NE(r.output.find("[add-column-volatile-default]"), std::string::npos);
}

TEST_F(LintCli, DirectoryArgumentAndNoColourWhenPiped) {
  write("a.sql", kUnsafe);
  write("b.sql", kSafe);
  RunResult r = lint({dir_.path()});
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.output.find("in 2 files"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("\x1b["), std::string::npos);
}

// Live context itself: lint_live_test.cc. Here: its usage errors.
TEST_F(LintCli, LiveContextUsageErrorsExitTwo) {
  std::string file = write("001.sql", kSafe);
  RunResult db = lint({"--db", "postgres://u@127.0.0.1:1/x", file});
  EXPECT_EQ(db.status.code, 2) << db.describe();
  EXPECT_NE(db.output.find("sluice lint: --db: cannot connect to postgres://u@127.0.0.1:1/x"), std::string::npos)
      << db.output;
  EXPECT_EQ(lint({"--trace", "--db", "postgres://u@127.0.0.1:1/x", file}).status.code, 2);
  EXPECT_EQ(lint({"--trace", file}).status.code, 2);
  EXPECT_EQ(lint({"--db", "mysqlx://nope", file}).status.code, 2);
}

}  // namespace
}  // namespace sluice::testing
