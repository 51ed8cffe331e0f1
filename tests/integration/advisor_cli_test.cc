// `sluice advisor` end to end, as a user runs it: a real PostgreSQL 15 with HypoPG, the proxy
// recording a workload that pgbench sends through it, then the advisor pulling that workload
// from the proxy's admin HTTP (or from an exported file) and writing its report. Known missing
// indexes (single and multi-column) must be found, a query its primary key serves must get
// nothing, an unused index must be reported, the budget respected; validation, the supervised
// trust ladder (queue, approve, undo, audit log) and the errors a user can make.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/fixtures/pg_server.h"
#include "tests/fixtures/proxy_process.h"
#include "tests/fixtures/proxy_test.h"
#include "tests/fixtures/subprocess.h"
#include "tests/fixtures/temp_dir.h"
#include "tests/integration/observe_helpers.h"

namespace sluice::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kDb = "advisor_e2e";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AdvisorCli : public observe::ObserveProxyTest {
 protected:
  void SetUp() override {
    observe::ObserveProxyTest::SetUp();
    if (IsSkipped()) return;
    if (!data_loaded_) {
      pg().exec(std::string("DROP DATABASE IF EXISTS ") + kDb + " WITH (FORCE)", "postgres");
      pg().exec(std::string("CREATE DATABASE ") + kDb, "postgres");
      const char* schema = R"SQL(
        CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
        INSERT INTO customers SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 20000) g;
        CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, status text NOT NULL,
                             created_at timestamptz NOT NULL, total numeric(12, 2) NOT NULL);
        INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 20000,
               CASE WHEN g % 3 = 0 THEN 'shipped' ELSE 'open' END,
               timestamptz '2026-01-01' + g * interval '1 minute', (g % 500) + 0.5
        FROM generate_series(1, 200000) g;
        CREATE INDEX orders_total_idx ON orders (total);
        CREATE TABLE tickets (id bigint PRIMARY KEY, project_id int NOT NULL, assignee_id int NOT NULL, title text);
        INSERT INTO tickets SELECT g, g % 97, g % 1009, 'ticket ' || g FROM generate_series(1, 200000) g;
      )SQL";
      pg().exec(schema, kDb);
      pg().exec("VACUUM ANALYZE", kDb);
      data_loaded_ = true;
    }
  }

  std::string target() const { return pg().url("postgres", "postgres", kDb); }

  // The workload: pgbench (extended protocol) through the proxy, bounded by transaction count.
  void run_workload() {
    ProxyOptions options;
    options.database = kDb;
    options.target_db = kDb;
    ASSERT_NO_FATAL_FAILURE(start_observed(observe::ObserveToml().with_flush_interval(0.2), PoolMode::Transaction,
                                           4, options));
    std::string orders = dir_.write_file(
        "orders.pgbench",
        "\\set cid random(1, 20000)\n"
        "SELECT id, total FROM orders WHERE customer_id = :cid ORDER BY created_at DESC LIMIT 10;\n");
    std::string tickets = dir_.write_file(
        "tickets.pgbench",
        "\\set p random(0, 96)\n\\set a random(0, 1008)\n"
        "SELECT id, title FROM tickets WHERE project_id = :p AND assignee_id = :a;\n");
    std::string profile = dir_.write_file("profile.pgbench",
                                          "\\set cid random(1, 20000)\n"
                                          "SELECT email FROM customers WHERE id = :cid;\n");
    RunOptions run;
    run.env = {"PGPASSWORD=postgres"};
    run.timeout = 120s;
    RunResult r = run_command({std::string(PgServer::kBinDir) + "/pgbench", "-h", "127.0.0.1", "-p",
                               std::to_string(port()), "-U", "postgres", "-n", "-M", "extended", "-c", "2", "-t",
                               "40", "-f", orders, "-f", tickets, "-f", profile, kDb},
                              run);
    ASSERT_TRUE(r.ok()) << r.describe() << proxy_log();
    ASSERT_TRUE(wire::eventually(5s, [&] {
      auto j = observe::http_json(http_port(), "/api/v1/workload?since=0", nullptr);
      return j && j->dump().find("FROM tickets") != std::string::npos && j->dump().find("FROM orders") != std::string::npos;
    })) << proxy_log();
  }

  RunResult advisor(std::vector<std::string> args, std::chrono::milliseconds timeout = 120s) {
    args.insert(args.begin(), {ProxyProcess::binary_path(), "advisor"});
    RunOptions options;
    options.timeout = timeout;
    return run_command(args, options);
  }

  static json read_json(const std::string& path) {
    json j = json::parse(slurp(path), nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path << " is not JSON";
    return j;
  }

  static const json* find_suggestion(const json& report, const std::string& table,
                                     const std::vector<std::string>& columns_any_order) {
    for (const auto& s : report["suggestions"]) {
      if (s.value("table", "") != table) continue;
      std::set<std::string> have;
      for (const auto& c : s["columns"]) have.insert(c.get<std::string>());
      if (have == std::set<std::string>(columns_any_order.begin(), columns_any_order.end())) return &s;
    }
    return nullptr;
  }

  std::vector<std::string> index_names(const std::string& table) const {
    std::vector<std::string> out;
    for (const auto& row : pg().query("SELECT indexname FROM pg_indexes WHERE tablename = '" + table + "' ORDER BY 1", kDb))
      out.push_back(row[0]);
    return out;
  }

  TempDir dir_{"sluice-advisor-test"};
  static inline bool data_loaded_ = false;
};

TEST_F(AdvisorCli, FindsMissingIndexesFromAProxysWorkload) {
  ASSERT_NO_FATAL_FAILURE(run_workload());
  const std::string out = dir_.file("report");
  const std::vector<std::string> before_orders = index_names("orders");
  RunResult r = advisor({"--once", "--proxy", "http://127.0.0.1:" + std::to_string(http_port()), "--target", target(),
                         "--out", out});
  ASSERT_TRUE(r.ok()) << r.describe();
  for (const char* f : {"report.json", "report.md", "report.html"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(std::filesystem::path(out) / f)) << f << "\n" << r.output;
  }
  json report = read_json(out + "/report.json");
  ASSERT_TRUE(report.is_object());
  // Single-column (plus its sort column at most) for the customer's orders.
  bool orders_found = false;
  for (const auto& s : report["suggestions"]) {
    if (s.value("table", "") == "public.orders" && !s["columns"].empty() && s["columns"][0] == "customer_id")
      orders_found = true;
  }
  EXPECT_TRUE(orders_found) << report["suggestions"].dump(2);
  // Two-column for the ticket filter on two columns.
  EXPECT_NE(find_suggestion(report, "public.tickets", {"project_id", "assignee_id"}), nullptr)
      << report["suggestions"].dump(2) << report["rejected"].dump(2);
  // The primary key already serves the profile lookup: nothing on customers.
  for (const auto& s : report["suggestions"]) EXPECT_NE(s.value("table", ""), "public.customers") << s.dump(2);
  // The never-scanned index is a drop candidate.
  bool unused = false;
  for (const auto& d : report["drops"]) {
    if (d.value("index", "") == "orders_total_idx" && d.value("reason", "") == "unused") unused = true;
  }
  EXPECT_TRUE(unused) << report["drops"].dump(2);
  EXPECT_LE(report["used_bytes"].get<int64_t>(), report["budget_bytes"].get<int64_t>());
  EXPECT_GT(report["whatif_calls"].get<int64_t>(), 0);
  EXPECT_LT(report["workload_cost_after"].get<double>(), report["workload_cost_before"].get<double>());
  // Advice only: nothing was created.
  EXPECT_EQ(index_names("orders"), before_orders);
  // The Markdown has the statements; stdout names the report.
  std::string md = slurp(out + "/report.md");
  EXPECT_NE(md.find("CREATE INDEX CONCURRENTLY"), std::string::npos) << md;
  EXPECT_NE(r.output.find("report.html"), std::string::npos) << r.output;

  // The same workload exported to a file advises the same way offline, and `sluice report`
  // re-renders the latest result.
  auto exported = observe::http_json(http_port(), "/api/v1/workload?since=0", nullptr);
  ASSERT_TRUE(exported);
  std::string file = dir_.write_file("workload.json", exported->dump());
  const std::string out2 = dir_.file("report-offline");
  RunResult offline = advisor({"--once", "--workload", file, "--target", target(), "--out", out2});
  ASSERT_TRUE(offline.ok()) << offline.describe();
  json report2 = read_json(out2 + "/report.json");
  EXPECT_NE(find_suggestion(report2, "public.tickets", {"project_id", "assignee_id"}), nullptr) << report2.dump(2);
  std::filesystem::remove(out2 + "/report.html");
  RunOptions ro;
  RunResult rendered = run_command({ProxyProcess::binary_path(), "report", out2}, ro);
  ASSERT_TRUE(rendered.ok()) << rendered.describe();
  EXPECT_TRUE(std::filesystem::is_regular_file(out2 + "/report.html")) << rendered.output;

  // A budget of one byte: nothing fits.
  const std::string out3 = dir_.file("report-tiny");
  RunResult tiny = advisor({"--once", "--workload", file, "--target", target(), "--budget-bytes", "1", "--out", out3});
  ASSERT_TRUE(tiny.ok()) << tiny.describe();
  json report3 = read_json(out3 + "/report.json");
  EXPECT_TRUE(report3["suggestions"].empty()) << report3["suggestions"].dump(2);
  EXPECT_EQ(report3["used_bytes"].get<int64_t>(), 0);
  EXPECT_FALSE(report3["rejected"].empty());

  // Validation by real execution: the orders index is built, timed, kept; the database is left
  // as it was found.
  const std::string out4 = dir_.file("report-validated");
  RunResult validated = advisor({"--once", "--workload", file, "--target", target(), "--validate", "--out", out4});
  ASSERT_TRUE(validated.ok()) << validated.describe();
  json report4 = read_json(out4 + "/report.json");
  bool measured = false;
  for (const auto& s : report4["suggestions"]) {
    if (s.value("table", "") != "public.orders") continue;
    const json& v = s["validation"];
    EXPECT_TRUE(v.value("ran", false)) << s.dump(2);
    EXPECT_TRUE(v.value("kept", false)) << s.dump(2);
    for (const auto& run : v["runs"]) {
      if (run.value("after_ms", 1e9) < run.value("before_ms", 0.0)) measured = true;
    }
  }
  EXPECT_TRUE(measured) << report4["suggestions"].dump(2);
  EXPECT_EQ(index_names("orders"), before_orders);
}

// Budget validation rejects is given back: the index the selection wants most cannot be built
// (one row of the table is too long for an index entry), the budget holds only one index, and
// the selection runs again without it: the other index is chosen, validated and kept, and the
// rejected one stays in the report with its verdict.
TEST_F(AdvisorCli, ValidationRejectsAnIndexAndTheSelectionFillsItsPlace) {
  const char* schema = R"SQL(
    DROP TABLE IF EXISTS docs, items;
    CREATE TABLE docs (id bigint PRIMARY KEY, body text NOT NULL);
    INSERT INTO docs SELECT g, 'doc ' || g FROM generate_series(1, 200000) g;
    INSERT INTO docs SELECT 0, string_agg(md5(g::text), '') FROM generate_series(1, 600) g;
    CREATE TABLE items (id bigint PRIMARY KEY, code int NOT NULL, label text);
    INSERT INTO items SELECT g, g, 'item ' || g FROM generate_series(1, 200000) g;
  )SQL";
  pg().exec(schema, kDb);
  pg().exec("VACUUM ANALYZE docs", kDb);
  pg().exec("VACUUM ANALYZE items", kDb);

  ProxyOptions options;
  options.database = kDb;
  options.target_db = kDb;
  ASSERT_NO_FATAL_FAILURE(
      start_observed(observe::ObserveToml().with_flush_interval(0.2), PoolMode::Transaction, 4, options));
  std::string docs = dir_.write_file("docs.pgbench", "\\set i random(1, 200000)\n"
                                                     "SELECT id FROM docs WHERE body = 'doc ' || :i;\n");
  std::string items = dir_.write_file("items.pgbench", "\\set c random(1, 200000)\n"
                                                       "SELECT label FROM items WHERE code = :c;\n");
  RunOptions run;
  run.env = {"PGPASSWORD=postgres"};
  run.timeout = 120s;
  RunResult r = run_command({std::string(PgServer::kBinDir) + "/pgbench", "-h", "127.0.0.1", "-p",
                             std::to_string(port()), "-U", "postgres", "-n", "-M", "extended", "-c", "2", "-t", "30",
                             "-f", docs + "@4", "-f", items + "@1", kDb},
                            run);
  ASSERT_TRUE(r.ok()) << r.describe() << proxy_log();
  std::optional<json> exported;
  ASSERT_TRUE(wire::eventually(5s, [&] {
    exported = observe::http_json(http_port(), "/api/v1/workload?since=0", nullptr);
    return exported && exported->dump().find("FROM docs") != std::string::npos &&
           exported->dump().find("FROM items") != std::string::npos;
  })) << proxy_log();
  std::string file = dir_.write_file("workload-refill.json", exported->dump());

  // Both indexes without a budget, with their estimated sizes.
  const std::string roomy_out = dir_.file("report-refill-roomy");
  RunResult roomy = advisor({"--once", "--workload", file, "--target", target(), "--out", roomy_out});
  ASSERT_TRUE(roomy.ok()) << roomy.describe();
  json all = read_json(roomy_out + "/report.json");
  const json* body = find_suggestion(all, "public.docs", {"body"});
  const json* code = find_suggestion(all, "public.items", {"code"});
  ASSERT_TRUE(body && code) << all["suggestions"].dump(2) << all["rejected"].dump(2);
  const int64_t body_size = (*body)["size_bytes"].get<int64_t>();
  const int64_t code_size = (*code)["size_bytes"].get<int64_t>();
  ASSERT_GT(body_size, 0);
  ASSERT_GT(code_size, 0);
  // Room for either, not both.
  const int64_t budget = std::max(body_size, code_size) + std::min(body_size, code_size) / 2;

  const std::string out = dir_.file("report-refill");
  RunResult validated = advisor({"--once", "--workload", file, "--target", target(), "--budget-bytes",
                                 std::to_string(budget), "--validate", "--out", out});
  ASSERT_TRUE(validated.ok()) << validated.describe();
  json report = read_json(out + "/report.json");
  const json* rejected_body = find_suggestion(report, "public.docs", {"body"});
  const json* kept_code = find_suggestion(report, "public.items", {"code"});
  ASSERT_NE(rejected_body, nullptr) << report["suggestions"].dump(2);
  ASSERT_NE(kept_code, nullptr) << report["suggestions"].dump(2) << report["rejected"].dump(2) << validated.output;
  EXPECT_EQ(rejected_body->value("status", ""), "rejected-by-validation") << rejected_body->dump(2);
  EXPECT_NE((*rejected_body)["validation"].value("verdict", "").find("build failed"), std::string::npos)
      << rejected_body->dump(2);
  EXPECT_TRUE((*kept_code)["validation"].value("kept", false)) << kept_code->dump(2);
  EXPECT_NE(kept_code->value("status", ""), "rejected-by-validation") << kept_code->dump(2);
  EXPECT_LE(report["used_bytes"].get<int64_t>(), budget);
  EXPECT_NE(validated.output.find("selecting again"), std::string::npos) << validated.output;
  // Validation left nothing behind.
  EXPECT_EQ(index_names("docs"), std::vector<std::string>{"docs_pkey"});
  EXPECT_EQ(index_names("items"), std::vector<std::string>{"items_pkey"});
  pg().exec("DROP TABLE docs, items", kDb);
}

TEST_F(AdvisorCli, SupervisedQueueApproveUndoAndAuditLog) {
  ASSERT_NO_FATAL_FAILURE(run_workload());
  const std::string out = dir_.file("sidecar");
  std::string config = dir_.write_file("sluice.toml",
                                       "[advisor]\n"
                                       "target = \"" + target() + "\"\n"
                                       "proxies = [\"http://127.0.0.1:" + std::to_string(http_port()) + "\"]\n"
                                       "out_dir = \"" + out + "\"\n"
                                       "mode = \"supervised\"\n");
  RunResult tick = advisor({"-c", config, "--once"});
  ASSERT_TRUE(tick.ok()) << tick.describe();
  json actions = read_json(out + "/actions.json");
  ASSERT_FALSE(actions["actions"].empty()) << actions.dump(2);
  std::string id;
  for (const auto& a : actions["actions"]) {
    EXPECT_EQ(a.value("status", ""), "pending");
    if (a.value("table", "") == "public.tickets") id = a.value("id", "");
  }
  ASSERT_FALSE(id.empty()) << actions.dump(2);
  // Queued, not created.
  const std::vector<std::string> before = index_names("tickets");
  RunResult listed = advisor({"actions", "-c", config});
  ASSERT_TRUE(listed.ok()) << listed.describe();
  EXPECT_NE(listed.output.find(id), std::string::npos) << listed.output;

  RunResult approved = advisor({"approve", id, "-c", config});
  ASSERT_TRUE(approved.ok()) << approved.describe();
  std::vector<std::string> after = index_names("tickets");
  EXPECT_EQ(after.size(), before.size() + 1) << approved.output;
  EXPECT_EQ(pg().query_value("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                             "WHERE c.relname = 'tickets' AND NOT i.indisvalid", kDb),
            "0");

  RunResult unknown = advisor({"approve", "ffffffff", "-c", config});
  EXPECT_EQ(unknown.status.code, 1) << unknown.describe();
  EXPECT_NE(unknown.output.find("no suggestion ffffffff"), std::string::npos) << unknown.output;

  RunResult undone = advisor({"undo", id, "-c", config});
  ASSERT_TRUE(undone.ok()) << undone.describe();
  EXPECT_EQ(index_names("tickets"), before);

  // Every step is in the audit log, in order.
  std::vector<std::string> seen;
  std::ifstream audit(out + "/audit.log");
  std::string line;
  while (std::getline(audit, line)) {
    json e = json::parse(line, nullptr, false);
    ASSERT_FALSE(e.is_discarded()) << line;
    if (e.value("suggestion", "") == id || e.value("action", "") == "report") seen.push_back(e.value("action", ""));
  }
  std::vector<std::string> expected = {"report", "queue", "approve", "create-index", "drop-index"};
  EXPECT_EQ(seen, expected);
}

TEST_F(AdvisorCli, ClearErrors) {
  // An unknown key in [advisor]: exit 2 with file:line:column.
  std::string config = dir_.write_file("bad.toml", "[advisor]\ntarget = \"postgres://x@127.0.0.1:1/db\"\nbudgett = 0.1\n");
  RunResult bad = advisor({"-c", config, "--once"});
  EXPECT_EQ(bad.status.code, 2) << bad.describe();
  EXPECT_NE(bad.output.find("bad.toml:3:1: unknown key 'budgett' in [advisor]"), std::string::npos) << bad.output;
  // No proxy answers: exit 1 naming the source.
  const uint16_t nobody = free_port();
  RunResult down = advisor({"--once", "--proxy", "http://127.0.0.1:" + std::to_string(nobody), "--target", target(),
                            "--out", dir_.file("never")});
  EXPECT_EQ(down.status.code, 1) << down.describe();
  EXPECT_NE(down.output.find("127.0.0.1:" + std::to_string(nobody)), std::string::npos) << down.output;
  // A workload file that is not JSON.
  std::string junk = dir_.write_file("junk.json", "{not json");
  RunResult garbage = advisor({"--once", "--workload", junk, "--target", target(), "--out", dir_.file("never2")});
  EXPECT_EQ(garbage.status.code, 1) << garbage.describe();
  EXPECT_NE(garbage.output.find("junk.json: not valid JSON"), std::string::npos) << garbage.output;
  // Missing --target.
  RunResult usage = advisor({"--once", "--workload", junk});
  EXPECT_EQ(usage.status.code, 2) << usage.describe();
  EXPECT_NE(usage.output.find("--target"), std::string::npos) << usage.output;
}

}  // namespace
}  // namespace sluice::testing
