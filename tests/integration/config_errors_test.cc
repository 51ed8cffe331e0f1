// `sluice proxy` with bad configuration: exit code 2 and "sluice: <file>:<line>:<col>: <reason>" on
// stderr, without ever listening. Also the command line without a configuration.
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/fixtures/free_port.h"
#include "tests/fixtures/proxy_process.h"
#include "tests/fixtures/proxy_test.h"
#include "tests/fixtures/subprocess.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/integration/raw_wire_helpers.h"

namespace sluice::testing {
namespace {

using namespace std::chrono_literals;
using wire::contains;

struct CliRun {
  RunResult run;
  std::string err() const { return run.output; }
};

// Runs `sluice <args...>` with stdout thrown away: the output we keep is stderr alone.
CliRun run_sluice(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"sh", "-c", "exec \"$@\" >/dev/null", "sh", ProxyProcess::binary_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions o;
  o.timeout = std::chrono::seconds(20);
  return CliRun{run_command(argv, o)};
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

class ConfigErrorsTest : public ProxyTest {
 protected:
  void SetUp() override {
    ProxyTest::SetUp();
    if (direct()) GTEST_SKIP() << "runs the sluice binary";
    dir_ = std::make_unique<TempDir>("sluice-config-errors");
    listen_ = free_port();
    base_ = split_lines(proxy_toml(pg(), PoolMode::Transaction, 5, listen_));
  }

  // 1-based number of the first line equal to `line` (after the table header `table`).
  int line_of(const std::vector<std::string>& lines, const std::string& table, const std::string& prefix) const {
    bool in_table = table.empty();
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i] == table) in_table = true;
      if (in_table && lines[i].rfind(prefix, 0) == 0) return int(i) + 1;
    }
    ADD_FAILURE() << "no line starting with '" << prefix << "' in " << table;
    return -1;
  }
  // Replaces the line starting with `prefix` in `table`; returns its number.
  int replace_line(std::vector<std::string>& lines, const std::string& table, const std::string& prefix,
                   const std::string& replacement) const {
    int n = line_of(lines, table, prefix);
    if (n > 0) lines[std::size_t(n - 1)] = replacement;
    return n;
  }
  std::string write(const std::string& name, const std::vector<std::string>& lines) {
    return dir_->write_file(name, join_lines(lines), 0600);
  }

  // Runs `sluice proxy -c file` and checks: exit code 2, "sluice: file:line:col: " and reason on
  // stderr, and that nothing listened.
  void expect_config_error(const std::string& file, int line, const std::vector<std::string>& reasons) {
    CliRun r = run_sluice({"proxy", "-c", file});
    ASSERT_FALSE(r.run.timed_out) << "sluice did not exit on a bad config (it probably started)\n" << r.err();
    EXPECT_TRUE(r.run.status.exited) << r.run.describe();
    EXPECT_EQ(r.run.status.code, 2) << r.run.describe();
    std::string want = "sluice: " + file + ":" + std::to_string(line) + ":";
    EXPECT_TRUE(contains(r.err(), want)) << "expected \"" << want << "\" in stderr:\n" << r.err();
    std::regex located(std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") + ":" +
                       std::to_string(line) + R"(:\d+: \S)");
    EXPECT_TRUE(std::regex_search(r.err(), located)) << "no <file>:<line>:<col>: <reason> in:\n" << r.err();
    for (const auto& reason : reasons) {
      EXPECT_TRUE(contains(r.err(), reason)) << "expected \"" << reason << "\" in stderr:\n" << r.err();
    }
    EXPECT_FALSE(port_accepts(listen_));
  }

  std::unique_ptr<TempDir> dir_;
  uint16_t listen_ = 0;
  std::vector<std::string> base_;
};

TEST_F(ConfigErrorsTest, BaseConfigIsValid) {
  // The unmodified file starts (so that the failures below are due to the changes alone).
  ProxyProcess p;
  ASSERT_TRUE(p.start(join_lines(base_), listen_));
  EXPECT_TRUE(p.stop());
}

TEST_F(ConfigErrorsTest, UnknownKey) {
  auto lines = base_;
  int n = replace_line(lines, "[proxy]", "workers = ", "wrokers = 2");
  std::string file = write("unknown_key.toml", lines);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file, n, {"unknown key 'wrokers' in [proxy]", "did you mean 'workers'"}));
}

TEST_F(ConfigErrorsTest, UnknownKeyInDatabase) {
  auto lines = base_;
  int n = replace_line(lines, "[databases.testdb]", "pool_size = ", "pool_sise = 5");
  std::string file = write("unknown_db_key.toml", lines);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file, n, {"unknown key 'pool_sise'", "pool_size"}));
}

TEST_F(ConfigErrorsTest, UnknownSection) {
  auto lines = base_;
  lines.push_back("[pools]");
  int n = int(lines.size());
  lines.push_back("size = 3");
  std::string file = write("unknown_section.toml", lines);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file, n, {"unknown section 'pools'"}));
}

TEST_F(ConfigErrorsTest, BadPoolMode) {
  auto lines = base_;
  int n = replace_line(lines, "[databases.testdb]", "pool_mode = ", "pool_mode = \"statementish\"");
  std::string file = write("bad_pool_mode.toml", lines);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file, n, {"pool_mode", "statementish"}));
}

TEST_F(ConfigErrorsTest, WrongValueType) {
  auto lines = base_;
  int n = replace_line(lines, "[databases.testdb]", "pool_size = ", "pool_size = \"ten\"");
  std::string file = write("wrong_type.toml", lines);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file, n, {"pool_size must be an integer"}));
}

TEST_F(ConfigErrorsTest, OutOfRangeValues) {
  {
    auto lines = base_;
    int n = replace_line(lines, "[databases.testdb]", "pool_size = ", "pool_size = 0");
    ASSERT_NO_FATAL_FAILURE(expect_config_error(write("pool_zero.toml", lines), n, {"pool_size"}));
  }
  {
    auto lines = base_;
    int n = replace_line(lines, "[timeouts]", "query_wait_timeout = ", "query_wait_timeout = -5");
    ASSERT_NO_FATAL_FAILURE(expect_config_error(write("negative_timeout.toml", lines), n, {"query_wait_timeout"}));
  }
  {
    auto lines = base_;
    int n = replace_line(lines, "[tls]", "client_mode = ", "client_mode = \"always\"");
    ASSERT_NO_FATAL_FAILURE(expect_config_error(write("tls_mode.toml", lines), n, {"client_mode", "always"}));
  }
  {
    auto lines = base_;
    int n = replace_line(lines, "[proxy]", "listen = ", "listen = [\"no-port-here\"]");
    ASSERT_NO_FATAL_FAILURE(expect_config_error(write("listen.toml", lines), n, {"listen", "no-port-here"}));
  }
}

TEST_F(ConfigErrorsTest, UnreadableCertificate) {
  auto lines = base_;
  int n = replace_line(lines, "[tls]", "client_cert = ", "client_cert = \"/nonexistent/sluice/cert.pem\"");
  std::string file = write("missing_cert.toml", lines);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file, n, {"tls.client_cert", "/nonexistent/sluice/cert.pem"}));
}

TEST_F(ConfigErrorsTest, MissingTarget) {
  auto lines = base_;
  int n = line_of(lines, "[databases.testdb]", "target = ");
  lines.erase(lines.begin() + (n - 1));
  int header = line_of(lines, "", "[databases.testdb]");
  std::string file = write("missing_target.toml", lines);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file, header, {"missing required key 'target'"}));
}

TEST_F(ConfigErrorsTest, TomlSyntaxError) {
  auto lines = base_;
  int n = line_of(lines, "", "[timeouts]") + 1;
  lines.insert(lines.begin() + (n - 1), "this is not = = toml");
  std::string file = write("syntax.toml", lines);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file, n, {}));
  // An unterminated string on a later line.
  auto lines2 = base_;
  int m = replace_line(lines2, "[auth]", "type = ", "type = \"scram-sha-256");
  std::string file2 = write("syntax2.toml", lines2);
  ASSERT_NO_FATAL_FAILURE(expect_config_error(file2, m, {}));
}

TEST_F(ConfigErrorsTest, MissingFile) {
  CliRun r = run_sluice({"proxy", "-c", dir_->file("does-not-exist.toml")});
  ASSERT_FALSE(r.run.timed_out) << r.err();
  EXPECT_EQ(r.run.status.code, 2) << r.run.describe();
  EXPECT_TRUE(contains(r.err(), "does-not-exist.toml")) << r.err();
  EXPECT_TRUE(contains(r.err(), "cannot read")) << r.err();
}

TEST_F(ConfigErrorsTest, ProxyWithoutArguments) {
  CliRun r = run_sluice({"proxy"});
  ASSERT_FALSE(r.run.timed_out) << "sluice proxy without arguments did not exit\n" << r.err();
  EXPECT_TRUE(r.run.status.exited) << r.run.describe();
  EXPECT_NE(r.run.status.code, 0) << r.run.describe();
  EXPECT_TRUE(contains(r.err(), "-c")) << "the message should say how to give a config:\n" << r.err();
  EXPECT_TRUE(contains(r.err(), "--target")) << r.err();
}

TEST_F(ConfigErrorsTest, CommandLineMistakes) {
  {
    CliRun r = run_sluice({});
    ASSERT_FALSE(r.run.timed_out);
    EXPECT_NE(r.run.status.code, 0) << r.run.describe();
    EXPECT_TRUE(contains(r.err(), "proxy") || contains(r.err(), "subcommand")) << r.err();
  }
  {
    CliRun r = run_sluice({"proxy", "--no-such-option"});
    ASSERT_FALSE(r.run.timed_out);
    EXPECT_NE(r.run.status.code, 0) << r.run.describe();
    EXPECT_TRUE(contains(r.err(), "no-such-option")) << r.err();
  }
  {
    std::string file = write("good.toml", base_);
    CliRun r = run_sluice({"proxy", "-c", file, "--target", pg().url()});
    ASSERT_FALSE(r.run.timed_out) << "started with both -c and --target";
    EXPECT_EQ(r.run.status.code, 2) << r.run.describe();
    EXPECT_TRUE(contains(r.err(), "--target cannot be combined with -c")) << r.err();
  }
  {
    std::string file = write("good2.toml", base_);
    CliRun r = run_sluice({"proxy", "-c", file, "--admin-http", "127.0.0.1:1"});
    ASSERT_FALSE(r.run.timed_out) << "started with both -c and --admin-http";
    EXPECT_EQ(r.run.status.code, 2) << r.run.describe();
    EXPECT_TRUE(contains(r.err(), "--admin-http cannot be combined with -c")) << r.err();
  }
  {
    CliRun r = run_sluice(
        {"proxy", "--target", "ftp://u:p@127.0.0.1/db", "--listen", "127.0.0.1:" + std::to_string(listen_)});
    ASSERT_FALSE(r.run.timed_out) << "started with a bad target URL";
    EXPECT_EQ(r.run.status.code, 2) << r.run.describe();
    EXPECT_TRUE(contains(r.err(), "sluice: ")) << r.err();
    EXPECT_TRUE(contains(r.err(), "ftp")) << r.err();
  }
  EXPECT_FALSE(port_accepts(listen_));
}

}  // namespace
}  // namespace sluice::testing
