// `sluice lint` with live context against the shared PostgreSQL 15: --db (sizes, severity by
// size, duration estimates, pre-flight lock check), --trace (locks and rewrites that really
// happen, rolled back), --workload (a JSON file, and a real proxy's /api/v1/workload).
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fixtures/pg_client.h"
#include "tests/fixtures/pg_server.h"
#include "tests/fixtures/proxy_process.h"
#include "tests/fixtures/proxy_test.h"
#include "tests/fixtures/subprocess.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/integration/observe_helpers.h"

namespace sluice::testing {
namespace {

using json = nlohmann::json;

RunResult run_lint(std::vector<std::string> args) {
  args.insert(args.begin(), {ProxyProcess::binary_path(), "lint"});
  RunOptions options;
  options.timeout = std::chrono::milliseconds(60000);
  return run_command(args, options);
}

// The JSON report in the output (stderr may add lines before it).
json report_of(const RunResult& r) {
  std::size_t start = r.output.find("{\n");
  if (start == std::string::npos) return json::object();
  json j = json::parse(r.output.substr(start), nullptr, false);
  return j.is_discarded() ? json::object() : j;
}

std::vector<json> findings(const json& report, const std::string& rule) {
  std::vector<json> out;
  for (const json& f : report.value("findings", json::array())) {
    if (f.value("rule", "") == rule) out.push_back(f);
  }
  return out;
}

std::string notes_of(const json& f) {
  std::string out;
  for (const json& n : f.value("notes", json::array())) out += n.get<std::string>() + "\n";
  return out;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class LintLive : public ProxyTest {
 protected:
  std::string write(const std::string& name, const std::string& text) { return dir_.write_file(name, text); }
  TempDir dir_{"sluice-lint-live"};
};

std::string volatile_default_migration(const std::string& table) {
  return "SET lock_timeout = '2s';\nSET statement_timeout = '10min';\nALTER TABLE " + table +
         " ADD COLUMN IF NOT EXISTS r float8 DEFAULT random();\n";
}

TEST_F(LintLive, SeverityFollowsTableSizeEmptyVersusMillionRows) {
  const std::string empty = unique_name("live_empty");
  const std::string big = unique_name("live_big");
  pg().exec("CREATE TABLE " + empty + " (id bigint)");
  pg().exec("CREATE TABLE " + big + " (id bigint)");
  pg().exec("INSERT INTO " + big + " SELECT generate_series(1, 1000000)");

  RunResult small = run_lint({"--db", pg().url(), "--format", "json", write("empty.sql", volatile_default_migration(empty))});
  EXPECT_EQ(small.status.code, 0) << small.describe();
  auto fs = findings(report_of(small), "add-column-volatile-default");
  ASSERT_EQ(fs.size(), 1u) << small.output;
  EXPECT_EQ(fs[0]["severity"], "warning") << fs[0].dump(2);
  EXPECT_NE(notes_of(fs[0]).find(empty + ": 0 rows"), std::string::npos) << fs[0].dump(2);
  EXPECT_NE(notes_of(fs[0]).find("severity lowered from error (small table)"), std::string::npos) << fs[0].dump(2);

  RunResult large = run_lint({"--db", pg().url(), "--format", "json", write("big.sql", volatile_default_migration(big))});
  EXPECT_EQ(large.status.code, 1) << large.describe();
  fs = findings(report_of(large), "add-column-volatile-default");
  ASSERT_EQ(fs.size(), 1u) << large.output;
  EXPECT_EQ(fs[0]["severity"], "error");
  std::string notes = notes_of(fs[0]);
  EXPECT_NE(notes.find(big + ": 1,000,000 rows, "), std::string::npos) << notes;
  EXPECT_NE(notes.find("a large table"), std::string::npos) << notes;
  EXPECT_NE(notes.find("estimated duration of the rewrite: "), std::string::npos) << notes;
  EXPECT_NE(notes.find("(at 50 MB/s)"), std::string::npos) << notes;

  // A warning-level rule on the same tables: notice when empty, error when large.
  std::string drop = "SET lock_timeout = '2s';\nSET statement_timeout = '1s';\nALTER TABLE %T DROP COLUMN IF EXISTS gone;\n";
  auto with = [&](const std::string& t) {
    std::string s = drop;
    s.replace(s.find("%T"), 2, t);
    return s;
  };
  RunResult d_small = run_lint({"--db", pg().url(), "--format", "json", write("d1.sql", with(empty))});
  RunResult d_large = run_lint({"--db", pg().url(), "--format", "json", write("d2.sql", with(big))});
  auto a = findings(report_of(d_small), "drop-column");
  auto b = findings(report_of(d_large), "drop-column");
  ASSERT_EQ(a.size(), 1u) << d_small.output;
  ASSERT_EQ(b.size(), 1u) << d_large.output;
  EXPECT_EQ(a[0]["severity"], "notice");
  EXPECT_EQ(b[0]["severity"], "error");

  // Thresholds and throughput from the config.
  std::string config = write("live.toml", "[live]\nlarge_table_rows = 5000000\nlarge_table_bytes = 10737418240\n"
                                          "rewrite_mb_per_second = 1\n");
  RunResult tuned = run_lint({"--db", pg().url(), "--format", "json", "--config", config, write("big2.sql", with(big))});
  b = findings(report_of(tuned), "drop-column");
  ASSERT_EQ(b.size(), 1u) << tuned.output;
  EXPECT_EQ(b[0]["severity"], "warning") << b[0].dump(2);
  pg().exec("DROP TABLE " + empty + ", " + big);
}

TEST_F(LintLive, TablesCreatedInTheMigrationAreNotLookedUp) {
  const std::string t = unique_name("live_new");
  RunResult r = run_lint({"--db", pg().url(), "--format", "json",
                          write("new.sql", "CREATE TABLE " + t + " (id int primary key, at timestamp);\n")});
  json report = report_of(r);
  ASSERT_FALSE(report.value("findings", json::array()).empty()) << r.output;
  for (const json& f : report["findings"]) EXPECT_EQ(notes_of(f).find(t + ":"), std::string::npos) << f.dump(2);
}

TEST_F(LintLive, ConnectionErrorExitsTwo) {
  RunResult r = run_lint({"--db", "postgres://postgres:secret@127.0.0.1:1/testdb", write("x.sql", "SELECT 1;\n")});
  EXPECT_EQ(r.status.code, 2) << r.describe();
  EXPECT_NE(r.output.find("sluice lint: --db: cannot connect to postgres://postgres:"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("secret"), std::string::npos) << "password shown: " << r.output;
  RunResult t = run_lint({"--trace", write("y.sql", "SELECT 1;\n")});
  EXPECT_EQ(t.status.code, 2) << t.describe();
}

TEST_F(LintLive, PreflightWarnsAboutAConflictingLockHeldByAnotherSession) {
  const std::string t = unique_name("live_locked");
  pg().exec("CREATE TABLE " + t + " (id int)");
  PgConnPtr holder = pg().superuser_connection();
  ASSERT_TRUE(ResultIs(pg_exec(holder, "BEGIN"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(holder, "SELECT * FROM " + t), PGRES_TUPLES_OK));
  // No lock_timeout: require-lock-timeout stands for the ALTER that would queue.
  std::string file = write("lock.sql", "ALTER TABLE " + t + " ADD COLUMN IF NOT EXISTS note text;\n");
  RunResult r = run_lint({"--db", pg().url(), "--format", "json", file});
  auto fs = findings(report_of(r), "live-lock-queue");
  ASSERT_EQ(fs.size(), 1u) << r.output;
  EXPECT_EQ(fs[0]["severity"], "warning");
  EXPECT_EQ(fs[0]["table"], t);
  EXPECT_NE(fs[0]["message"].get<std::string>().find("queue"), std::string::npos);
  EXPECT_NE(notes_of(fs[0]).find("AccessShareLock"), std::string::npos) << fs[0].dump(2);
  EXPECT_NE(notes_of(fs[0]).find("SELECT * FROM " + t), std::string::npos) << fs[0].dump(2);
  ASSERT_TRUE(ResultIs(pg_exec(holder, "COMMIT"), PGRES_COMMAND_OK));

  // The lock gone: no warning. A long transaction elsewhere (threshold 0 s): live-long-transaction.
  r = run_lint({"--db", pg().url(), "--format", "json", file});
  EXPECT_TRUE(findings(report_of(r), "live-lock-queue").empty()) << r.output;
  ASSERT_TRUE(ResultIs(pg_exec(holder, "BEGIN"), PGRES_COMMAND_OK));
  ASSERT_TRUE(ResultIs(pg_exec(holder, "SELECT 1"), PGRES_TUPLES_OK));
  std::string config = write("long.toml", "[live]\nlong_transaction_seconds = 0\n");
  r = run_lint({"--db", pg().url(), "--format", "json", "--config", config, file});
  fs = findings(report_of(r), "live-long-transaction");
  ASSERT_EQ(fs.size(), 1u) << r.output;
  EXPECT_NE(notes_of(fs[0]).find("open transaction: pid " + std::to_string(PQbackendPID(holder.get()))),
            std::string::npos)
      << fs[0].dump(2);
  ASSERT_TRUE(ResultIs(pg_exec(holder, "COMMIT"), PGRES_COMMAND_OK));
  pg().exec("DROP TABLE " + t);
}

TEST_F(LintLive, TraceReportsLocksRewritesAndNonTransactionalStatements) {
  const std::string t = unique_name("live_trace");
  pg().exec("CREATE TABLE " + t + " (id int primary key, v text)");
  pg().exec("INSERT INTO " + t + " SELECT g, 'x' FROM generate_series(1, 100) g");
  std::string file = write("trace.sql", "CREATE INDEX " + t + "_v ON " + t + " (v);\n"
                                        "ALTER TABLE " + t + " ADD COLUMN r float8 DEFAULT random();\n"
                                        "CREATE INDEX CONCURRENTLY " + t + "_v2 ON " + t + " (v);\n"
                                        "ALTER TABLE " + t + " ALTER COLUMN v SET NOT NULL;\n");
  RunResult r = run_lint({"--trace", "--db", pg().url(), "--format", "json", file});
  json report = report_of(r);
  auto locks = findings(report, "trace-lock");
  ASSERT_EQ(locks.size(), 3u) << r.output;
  EXPECT_EQ(locks[0]["line"], 1);
  EXPECT_EQ(locks[0]["lock"], "SHARE") << locks[0].dump(2);
  EXPECT_EQ(locks[0]["table"], t);
  EXPECT_EQ(locks[1]["line"], 2);
  EXPECT_EQ(locks[1]["lock"], "ACCESS EXCLUSIVE") << locks[1].dump(2);
  EXPECT_EQ(locks[1]["severity"], "warning");
  // A lock already held by an earlier statement of the trace: said so, as a notice.
  EXPECT_EQ(locks[2]["line"], 4);
  EXPECT_EQ(locks[2]["severity"], "notice");
  EXPECT_NE(locks[2]["message"].get<std::string>().find("already held"), std::string::npos) << locks[2].dump(2);
  auto rewrites = findings(report, "trace-rewrite");
  ASSERT_EQ(rewrites.size(), 1u) << r.output;
  EXPECT_EQ(rewrites[0]["line"], 2);
  EXPECT_EQ(rewrites[0]["rewrites_table"], true);
  EXPECT_NE(rewrites[0]["message"].get<std::string>().find("rewrote " + t + " (relfilenode "), std::string::npos)
      << rewrites[0].dump(2);
  EXPECT_NE(notes_of(rewrites[0]).find("index rebuilt: " + t + "_pkey"), std::string::npos) << rewrites[0].dump(2);
  auto skipped = findings(report, "trace-not-transactional");
  ASSERT_EQ(skipped.size(), 1u) << r.output;
  EXPECT_EQ(skipped[0]["line"], 3);
  EXPECT_EQ(skipped[0]["severity"], "notice");
  EXPECT_NE(skipped[0]["message"].get<std::string>().find("CREATE INDEX CONCURRENTLY cannot run inside a transaction block"),
            std::string::npos);
  // Rolled back: nothing changed.
  EXPECT_EQ(pg().query_value("SELECT count(*) FROM pg_attribute WHERE attrelid = '" + t + "'::regclass AND attname = 'r'"), "0");
  EXPECT_EQ(pg().query_value("SELECT count(*) FROM pg_indexes WHERE tablename = '" + t + "'"), "1");

  // A constant default does not rewrite (PostgreSQL 11+).
  r = run_lint({"--trace", "--db", pg().url(), "--format", "json",
                write("const.sql", "ALTER TABLE " + t + " ADD COLUMN c int DEFAULT 7;\n")});
  report = report_of(r);
  EXPECT_TRUE(findings(report, "trace-rewrite").empty()) << r.output;
  ASSERT_EQ(findings(report, "trace-lock").size(), 1u) << r.output;
  pg().exec("DROP TABLE " + t);
}

TEST_F(LintLive, TraceStopsAtAFailingStatement) {
  const std::string t = unique_name("live_missing");
  std::string file = write("fail.sql", "ALTER TABLE " + t + " ADD COLUMN x int;\nCREATE TABLE " + t + "_b (id int);\n");
  RunResult r = run_lint({"--trace", "--db", pg().url(), "--format", "json", file});
  EXPECT_EQ(r.status.code, 1) << r.describe();
  json report = report_of(r);
  auto errors = findings(report, "trace-error");
  ASSERT_EQ(errors.size(), 1u) << r.output;
  EXPECT_EQ(errors[0]["line"], 1);
  std::string message = errors[0]["message"];
  EXPECT_NE(message.find("relation \"" + t + "\" does not exist (SQLSTATE 42P01)"), std::string::npos) << message;
  EXPECT_NE(message.find("the trace stopped here"), std::string::npos);
  for (const json& f : findings(report, "trace-lock")) EXPECT_NE(f["line"], 2) << "traced past the error: " << f.dump(2);
}

TEST_F(LintLive, WorkloadFileListsQueriesADroppedColumnBreaks) {
  const int64_t now = now_ms();
  json workload = {
      {"queries",
       json::array({
           {{"fingerprint", "00000000000000a1"}, {"text", "SELECT id, legacy FROM wl_orders WHERE id = $1"},
            {"calls", 1200}, {"last_seen_ms", now - 3600000}},
           {{"fingerprint", "00000000000000a2"}, {"text", "UPDATE wl_orders SET legacy = $1 WHERE id = $2"},
            {"calls", 30}, {"last_seen_ms", now - 7200000}},
           {{"fingerprint", "00000000000000a3"}, {"query", "INSERT INTO wl_orders (id, legacy) VALUES ($1, $2)"},
            {"calls", 5}},
           {{"fingerprint", "00000000000000a4"}, {"text", "SELECT id FROM wl_orders"}, {"calls", 9000}},
           {{"fingerprint", "00000000000000a5"}, {"text", "SELECT legacy FROM other_table"}, {"calls", 7}},
           {{"fingerprint", "00000000000000a6"}, {"text", "SELECT legacy FROM wl_orders"}, {"calls", 3},
            {"last_seen_ms", now - 30LL * 86400000}},  // older than 7 days
       })}};
  std::string wl = write("workload.json", workload.dump());
  std::string file = write("drop.sql", "SET lock_timeout = '2s';\nSET statement_timeout = '1s';\n"
                                       "ALTER TABLE wl_orders DROP COLUMN IF EXISTS legacy;\n"
                                       "ALTER TABLE wl_orders RENAME TO wl_orders_old;\n");
  RunResult r = run_lint({"--workload", wl, "--format", "json", file});
  json report = report_of(r);
  auto fs = findings(report, "drop-column");
  ASSERT_EQ(fs.size(), 1u) << r.output;
  std::string notes = notes_of(fs[0]);
  EXPECT_NE(notes.find("breaks 3 queries seen in the last 7 days (1,235 calls) that still reference wl_orders.legacy"),
            std::string::npos)
      << notes;
  EXPECT_NE(notes.find("00000000000000a1 (1,200 calls): SELECT id, legacy FROM wl_orders WHERE id = $1"), std::string::npos) << notes;
  EXPECT_NE(notes.find("UPDATE wl_orders SET legacy = $1 WHERE id = $2"), std::string::npos) << notes;
  EXPECT_NE(notes.find("INSERT INTO wl_orders (id, legacy) VALUES ($1, $2)"), std::string::npos) << notes;
  EXPECT_EQ(notes.find("other_table"), std::string::npos) << notes;
  EXPECT_EQ(notes.find("SELECT legacy FROM wl_orders\n"), std::string::npos) << notes;
  auto renames = findings(report, "rename-table");
  ASSERT_EQ(renames.size(), 1u) << r.output;
  EXPECT_NE(notes_of(renames[0]).find("breaks 4 queries"), std::string::npos) << renames[0].dump(2);

  RunResult bad = run_lint({"--workload", dir_.file("missing.json"), file});
  EXPECT_EQ(bad.status.code, 2) << bad.describe();
  EXPECT_NE(bad.output.find("sluice lint: --workload: cannot read"), std::string::npos) << bad.output;
}

class LintLiveProxy : public observe::ObserveProxyTest {
 protected:
  std::string write(const std::string& name, const std::string& text) { return dir_.write_file(name, text); }
  TempDir dir_{"sluice-lint-live"};
};

TEST_F(LintLiveProxy, WorkloadFromAProxyAdminApi) {
  using namespace std::chrono_literals;
  const std::string t = unique_name("live_wl");
  pg().exec("CREATE TABLE " + t + " (id int, legacy text)");
  pg().exec("GRANT SELECT ON " + t + " TO scram_user");
  ASSERT_NO_FATAL_FAILURE(start_observed(observe::ObserveToml().with_flush_interval(0.2)));
  PgConnPtr conn = connect();
  ASSERT_TRUE(ConnectionOk(conn)) << proxy_log();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(ResultIs(pg_exec(conn, "SELECT legacy FROM " + t + " WHERE id = " + std::to_string(i)), PGRES_TUPLES_OK));
  }
  ASSERT_TRUE(ResultIs(pg_exec(conn, "SELECT id FROM " + t), PGRES_TUPLES_OK));
  bool seen = wire::eventually(5s, [&] {
    auto j = observe::http_json(http_port(), "/api/v1/workload?since=0", nullptr);
    return j && j->dump().find("legacy FROM " + t) != std::string::npos;
  });
  ASSERT_TRUE(seen) << proxy_log();
  std::string file = write("drop.sql", "SET lock_timeout = '2s';\nSET statement_timeout = '1s';\nALTER TABLE " + t +
                                           " DROP COLUMN IF EXISTS legacy;\n");
  std::string url = "http://127.0.0.1:" + std::to_string(http_port()) + "/api/v1/workload";
  RunResult r = run_lint({"--workload", url, "--db", pg().url(), "--format", "json", file});
  auto fs = findings(report_of(r), "drop-column");
  ASSERT_EQ(fs.size(), 1u) << r.output;
  std::string notes = notes_of(fs[0]);
  EXPECT_NE(notes.find("breaks 1 query seen in the last 7 days (5 calls) that still reference " + t + ".legacy"),
            std::string::npos)
      << notes;
  EXPECT_NE(notes.find("SELECT legacy FROM " + t + " WHERE id = $1"), std::string::npos) << notes;
  EXPECT_NE(notes.find(t + ": 6 calls in the workload"), std::string::npos) << notes;
  pg().exec("DROP TABLE " + t);
}

}  // namespace
}  // namespace sluice::testing
