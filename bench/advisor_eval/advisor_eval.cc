// The index advisor's evaluation harness behind `make bench-advisor` (bench/advisor_eval.sh,
// bench/README.md "Index advisor evaluation"). Three subcommands:
//
//   instances      --target URL --out FILE [--seed N]
//       picks the constants of every query instance of the TPC-H-like workload from the loaded
//       data and writes them, one per line: template <TAB> read|write <TAB> repetitions <TAB> SQL
//   scale-workload --out FILE --database DB [--count N]
//       writes a workload export (the proxy's table JSON) with N structurally distinct
//       fingerprints over the same schema, for the advisor's scale check
//   evaluate       --target URL --workload FILE --instances FILE --out-md FILE
//                  [--budgets 0.05,0.10,0.25,0.50] [--runs 3] [--warmup 1]
//       for each budget: Sluice's advisor (advisor::run_advisor on the recorded workload) and two
//       baselines computed here, (a) every filtered column indexed singly and (b) a Dexter-style
//       per-query rule; each configuration costed with HypoPG (calls x cost, relative to no new
//       index), then built for real, ANALYZEd and timed instance by instance; writes Markdown.
//   workload-summary --file FILE      prints "fingerprints calls" of a workload export
//   report-summary   --file FILE      prints "wall_ms whatif_calls whatif_cache_hits queries_advised
//                                     candidates suggestions used_bytes" of an advisor report.json
//
// Progress goes to stderr ("advisor-eval: ..."). Network: only the target given.
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "advisor/advisor_report.h"
#include "advisor/advisor_run.h"
#include "advisor/workload_pull.h"
#include "optimizer/advised_query.h"
#include "optimizer/index_candidates.h"
#include "optimizer/index_definition.h"
#include "optimizer/whatif_coster.h"
#include "schema/pg_catalog.h"
#include "sql/column_usage.h"
#include "sql/pg_fingerprint.h"
#include "workload/query_stats.h"
#include "workload/workload_json.h"
#include "workload/workload_snapshot.h"
#include "schema/pg_conninfo.h"

namespace opt = sluice::optimizer;
namespace adv = sluice::advisor;
namespace sql = sluice::sql;
namespace schema = sluice::schema;
namespace wl = sluice::workload;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void say(const std::string& line) { std::cerr << "advisor-eval: " << line << std::endl; }

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}
std::string mb(int64_t bytes) { return fmt("%.1f", double(bytes) / (1024.0 * 1024.0)); }

// --- command line -------------------------------------------------------------------------

struct Args {
  std::map<std::string, std::string> values;
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
  std::string need(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) throw std::runtime_error("missing --" + name);
    return it->second;
  }
};

Args parse_args(int argc, char** argv, int first) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0 || i + 1 >= argc) throw std::runtime_error("unexpected argument " + a);
    args.values[a.substr(2)] = argv[++i];
  }
  return args;
}

// --- libpq --------------------------------------------------------------------------------

class Connection {
 public:
  explicit Connection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string message = PQerrorMessage(conn_);
      PQfinish(conn_);
      conn_ = nullptr;
      throw std::runtime_error("cannot connect to " + adv::describe_target(conninfo) + ": " + message);
    }
  }
  ~Connection() {
    if (conn_) PQfinish(conn_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs sql; throws on an error. Returns rows as text (NULL -> "").
  std::vector<std::vector<std::string>> query(const std::string& text) {
    PGresult* r = PQexec(conn_, text.c_str());
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      std::string message = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error(message + " (in: " + text.substr(0, 200) + ")");
    }
    std::vector<std::vector<std::string>> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetvalue(r, i, j));
      rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
  }
  std::string scalar(const std::string& text) {
    auto rows = query(text);
    if (rows.empty() || rows[0].empty()) throw std::runtime_error("no value from: " + text);
    return rows[0][0];
  }
  // Runs sql and returns the wall time in ms; throws on an error.
  double timed(const std::string& text) {
    const auto t0 = Clock::now();
    PGresult* r = PQexec(conn_, text.c_str());
    const double elapsed = ms_since(t0);
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      std::string message = PQresultErrorMessage(r);
      PQclear(r);
      throw std::runtime_error(message + " (in: " + text.substr(0, 200) + ")");
    }
    PQclear(r);
    return elapsed;
  }

 private:
  PGconn* conn_ = nullptr;
};

std::string database_of(const std::string& conninfo) {
  const sluice::schema::PgConninfo c = sluice::schema::parse_pg_conninfo(conninfo);
  if (!c.parsed) throw std::runtime_error("cannot parse the target");
  return c.dbname;
}

// --- instances ----------------------------------------------------------------------------

struct Instance {
  std::string name;  // template
  bool write = false;
  int reps = 1;      // how often it was sent through the proxy (its weight)
  std::string sql;
};

std::string date_plus(Connection& c, const std::string& date, int days) {
  return c.scalar("SELECT (DATE '" + date + "' + " + std::to_string(days) + ")::text");
}

// The workload: 15 read templates and 2 writes on orders, each with several instances whose
// constants come from the data (existing customers, phones, parts, clerks) so every lookup hits.
std::vector<Instance> make_instances(Connection& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const int64_t n_cust = std::stoll(c.scalar("SELECT max(c_custkey) FROM customer"));
  const int64_t n_part = std::stoll(c.scalar("SELECT max(p_partkey) FROM part"));
  const int64_t n_supp = std::stoll(c.scalar("SELECT max(s_suppkey) FROM supplier"));
  const int64_t max_order = std::stoll(c.scalar("SELECT max(o_orderkey) FROM orders"));
  std::vector<std::string> clerks;
  for (auto& row : c.query("SELECT DISTINCT o_clerk FROM orders ORDER BY 1")) clerks.push_back(row[0]);
  // Dates: 1992-01-01 + 0..2400 days.
  auto day = [&](int64_t lo = 0, int64_t hi = 2380) { return date_plus(c, "1992-01-01", int(uniform(lo, hi))); };
  auto q = [](const std::string& s) { return "'" + s + "'"; };

  std::vector<Instance> out;
  auto add = [&](const std::string& name, bool write, int reps, int count, const auto& make) {
    for (int i = 0; i < count; ++i) out.push_back({name, write, reps, make()});
  };
  add("orders_of_customer", false, 10, 4, [&] {
    return "SELECT o_orderkey, o_orderdate, o_totalprice FROM orders WHERE o_custkey = " +
           std::to_string(uniform(1, n_cust)) + " ORDER BY o_orderdate DESC LIMIT 10";
  });
  add("lines_of_part", false, 6, 4, [&] {
    return "SELECT l_orderkey, l_quantity, l_extendedprice FROM lineitem WHERE l_partkey = " +
           std::to_string(uniform(1, n_part));
  });
  add("ship_day_by_mode", false, 4, 4, [&] {
    return "SELECT l_shipmode, count(*), sum(l_extendedprice) FROM lineitem WHERE l_shipdate = DATE " + q(day(30, 2400)) +
           " GROUP BY l_shipmode";
  });
  add("returns_window", false, 4, 3, [&] {
    std::string d = day(60, 1200);
    return "SELECT count(*), avg(l_discount) FROM lineitem WHERE l_receiptdate BETWEEN DATE " + q(d) + " AND DATE " +
           q(date_plus(c, d, 3)) + " AND l_returnflag = 'R'";
  });
  add("orders_by_phone", false, 8, 4, [&] {
    std::string phone = c.scalar("SELECT c_phone FROM customer WHERE c_custkey = " + std::to_string(uniform(1, n_cust)));
    return "SELECT o.o_orderkey, o.o_orderdate, o.o_totalprice FROM customer c JOIN orders o ON o.o_custkey = c.c_custkey "
           "WHERE c.c_phone = " + q(phone);
  });
  add("supplier_low_stock", false, 6, 4, [&] {
    return "SELECT ps_partkey, ps_availqty, ps_supplycost FROM partsupp WHERE ps_suppkey = " +
           std::to_string(uniform(1, n_supp)) + " AND ps_availqty < 2000 ORDER BY ps_availqty LIMIT 20";
  });
  add("part_offers", false, 5, 4, [&] {
    auto row = c.query("SELECT p_brand, p_type, p_size FROM part WHERE p_partkey = " + std::to_string(uniform(1, n_part)));
    return "SELECT p.p_partkey, p.p_name, ps.ps_suppkey, ps.ps_supplycost FROM part p JOIN partsupp ps ON ps.ps_partkey = "
           "p.p_partkey WHERE p.p_brand = " + q(row.at(0)[0]) + " AND p.p_type = " + q(row.at(0)[1]) +
           " AND p.p_size = " + row.at(0)[2];
  });
  add("clerk_recent_orders", false, 6, 4, [&] {
    return "SELECT o_orderkey, o_orderdate, o_orderstatus FROM orders WHERE o_clerk = " +
           q(clerks.at(std::size_t(uniform(0, int64_t(clerks.size()) - 1)))) + " AND o_orderdate >= DATE " +
           q(day(1500, 2300)) + " ORDER BY o_orderdate LIMIT 20";
  });
  add("top_orders_of_week", false, 6, 4, [&] {
    std::string d = day();
    return "SELECT o_orderkey, o_custkey, o_totalprice FROM orders WHERE o_orderdate BETWEEN DATE " + q(d) +
           " AND DATE " + q(date_plus(c, d, 6)) + " ORDER BY o_totalprice DESC LIMIT 5";
  });
  add("late_lines_of_supplier", false, 4, 4, [&] {
    return "SELECT l_orderkey, l_linenumber, l_receiptdate FROM lineitem WHERE l_suppkey = " +
           std::to_string(uniform(1, n_supp)) + " AND l_shipdate > DATE " + q(day(1800, 2300)) +
           " AND l_commitdate < l_receiptdate";
  });
  add("nation_revenue_of_day", false, 4, 4, [&] {
    return "SELECT n.n_name, sum(l.l_extendedprice * (1 - l.l_discount)) AS revenue FROM orders o "
           "JOIN lineitem l ON l.l_orderkey = o.o_orderkey JOIN customer c ON c.c_custkey = o.o_custkey "
           "JOIN nation n ON n.n_nationkey = c.c_nationkey WHERE o.o_orderdate = DATE " + q(day()) +
           " GROUP BY n.n_name ORDER BY revenue DESC";
  });
  add("customer_by_name", false, 10, 4, [&] {
    return "SELECT c_custkey, c_acctbal, c_mktsegment FROM customer WHERE c_name = " +
           q(c.scalar("SELECT c_name FROM customer WHERE c_custkey = " + std::to_string(uniform(1, n_cust))));
  });
  static const char* kSegments[] = {"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"};
  add("rich_customers_of_segment", false, 4, 3, [&] {
    return std::string("SELECT c_nationkey, count(*), max(c_acctbal) FROM customer WHERE c_mktsegment = ") +
           q(kSegments[uniform(0, 4)]) + " AND c_acctbal > " + std::to_string(uniform(9850, 9950)) +
           " GROUP BY c_nationkey";
  });
  add("pricing_summary", false, 1, 2, [&] {
    return "SELECT l_returnflag, l_linestatus, sum(l_quantity), sum(l_extendedprice), avg(l_discount), count(*) "
           "FROM lineitem WHERE l_shipdate <= DATE " + q(date_plus(c, "1998-12-01", -int(uniform(60, 120)))) +
           " GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus";
  });
  static const char* kPriorities[] = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"};
  add("pending_orders_of_priority", false, 3, 3, [&] {
    return std::string("SELECT o_orderkey, o_totalprice FROM orders WHERE o_orderstatus = 'P' AND o_orderpriority = ") +
           q(kPriorities[uniform(0, 4)]) + " AND o_totalprice > " + std::to_string(uniform(100000, 250000));
  });
  // Writes on orders, frequent: every index on orders costs them something, and the UPDATE
  // changes o_orderstatus and o_totalprice (an index on either makes it a non-HOT update).
  add("new_orders", true, 25, 4, [&] {
    return "INSERT INTO orders (o_custkey, o_orderstatus, o_totalprice, o_orderdate, o_orderpriority, o_clerk, "
           "o_shippriority, o_comment) SELECT " + std::to_string(uniform(1, n_cust - 100)) +
           " + g, 'O', 1000 + g, DATE " + q(day(2300, 2400)) + ", '3-MEDIUM', " +
           q(clerks.at(std::size_t(uniform(0, int64_t(clerks.size()) - 1)))) +
           ", 0, 'new order' FROM generate_series(1, 20) AS g";
  });
  add("settle_orders", true, 25, 4, [&] {
    int64_t k = uniform(1, max_order - 100);
    return "UPDATE orders SET o_orderstatus = 'F', o_totalprice = o_totalprice + 1 WHERE o_orderkey BETWEEN " +
           std::to_string(k) + " AND " + std::to_string(k + 49);
  });
  return out;
}

int cmd_instances(const Args& args) {
  Connection c(args.need("target"));
  auto instances = make_instances(c, std::stoull(args.get("seed", "20261125")));
  std::ofstream out(args.need("out"));
  for (const auto& i : instances) out << i.name << '\t' << (i.write ? "write" : "read") << '\t' << i.reps << '\t' << i.sql << '\n';
  if (!out) throw std::runtime_error("cannot write " + args.need("out"));
  say(std::to_string(instances.size()) + " instances written to " + args.need("out"));
  return 0;
}

std::vector<Instance> read_instances(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Instance> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> f;
    std::size_t start = 0;
    for (int k = 0; k < 3; ++k) {
      std::size_t tab = line.find('\t', start);
      if (tab == std::string::npos) throw std::runtime_error("bad line in " + path + ": " + line);
      f.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    out.push_back({f[0], f[1] == "write", std::stoi(f[2]), line.substr(start)});
  }
  return out;
}

// --- scale workload -----------------------------------------------------------------------

struct Col {
  const char* name;
  char type;  // i integer, n numeric, t text, d date
};
struct Tab {
  const char* name;
  std::vector<Col> cols;
};

const std::vector<Tab>& scale_tables() {
  static const std::vector<Tab> tables = {
      {"lineitem",
       {{"l_orderkey", 'i'}, {"l_partkey", 'i'}, {"l_suppkey", 'i'}, {"l_linenumber", 'i'}, {"l_quantity", 'n'},
        {"l_extendedprice", 'n'}, {"l_discount", 'n'}, {"l_tax", 'n'}, {"l_returnflag", 't'}, {"l_linestatus", 't'},
        {"l_shipdate", 'd'}, {"l_commitdate", 'd'}, {"l_receiptdate", 'd'}, {"l_shipinstruct", 't'},
        {"l_shipmode", 't'}, {"l_comment", 't'}}},
      {"orders",
       {{"o_orderkey", 'i'}, {"o_custkey", 'i'}, {"o_orderstatus", 't'}, {"o_totalprice", 'n'}, {"o_orderdate", 'd'},
        {"o_orderpriority", 't'}, {"o_clerk", 't'}, {"o_shippriority", 'i'}, {"o_comment", 't'}}},
      {"customer",
       {{"c_custkey", 'i'}, {"c_name", 't'}, {"c_address", 't'}, {"c_nationkey", 'i'}, {"c_phone", 't'},
        {"c_acctbal", 'n'}, {"c_mktsegment", 't'}, {"c_comment", 't'}}},
      {"part",
       {{"p_partkey", 'i'}, {"p_name", 't'}, {"p_mfgr", 't'}, {"p_brand", 't'}, {"p_type", 't'}, {"p_size", 'i'},
        {"p_container", 't'}, {"p_retailprice", 'n'}, {"p_comment", 't'}}},
      {"partsupp",
       {{"ps_partkey", 'i'}, {"ps_suppkey", 'i'}, {"ps_availqty", 'i'}, {"ps_supplycost", 'n'}, {"ps_comment", 't'}}},
      {"supplier",
       {{"s_suppkey", 'i'}, {"s_name", 't'}, {"s_address", 't'}, {"s_nationkey", 'i'}, {"s_phone", 't'},
        {"s_acctbal", 'n'}, {"s_comment", 't'}}},
  };
  return tables;
}

std::string literal(char type, std::mt19937_64& rng) {
  auto u = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  switch (type) {
    case 'i': return std::to_string(u(1, 20000));
    case 'n': return std::to_string(u(1, 9000)) + "." + std::to_string(u(10, 99));
    case 'd': {
      char buf[32];
      std::snprintf(buf, sizeof buf, "DATE '%04d-%02d-%02d'", u(1992, 1998), u(1, 12), u(1, 28));
      return buf;
    }
    default: return "'v" + std::to_string(u(1, 99999)) + "'";
  }
}

// A predicate on col: equality for text, and equality or a range for the others (by variant).
std::string predicate(const Col& col, int variant, std::mt19937_64& rng) {
  std::string name = col.name;
  if (col.type == 't' || variant % 3 == 0) return name + " = " + literal(col.type, rng);
  if (variant % 3 == 1) return name + " > " + literal(col.type, rng);
  return name + " BETWEEN " + literal(col.type, rng) + " AND " + literal(col.type, rng);
}

int cmd_scale_workload(const Args& args) {
  const std::size_t count = std::stoul(args.get("count", "1000"));
  const std::string database = args.need("database");
  std::mt19937_64 rng(std::stoull(args.get("seed", "7")));
  const auto& tables = scale_tables();
  wl::WorkloadTable table(std::max<std::size_t>(count * 2, wl::WorkloadTable::kDefaultMaxEntries));
  std::set<uint64_t> seen;
  std::vector<std::size_t> counters(tables.size(), 0);
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::size_t attempts = 0;
  for (std::size_t k = 0; seen.size() < count; ++k) {
    if (++attempts > count * 50) throw std::runtime_error("could not generate enough distinct fingerprints");
    const Tab& t = tables[k % tables.size()];
    const std::size_t c = counters[k % tables.size()]++;
    const std::size_t n = t.cols.size();
    // Filter column varies fastest, then the projected pair, then a second filter.
    const Col& f1 = t.cols[c % n];
    const std::size_t pair = (c / n) % (n * (n - 1) / 2);
    std::size_t a = 0, b = 1, p = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j)
        if (p++ == pair) a = i, b = j;
    std::string text = std::string("SELECT ") + t.cols[a].name + ", " + t.cols[b].name + " FROM " + t.name + " WHERE " +
                       predicate(f1, int(c / n), rng);
    if (c % 2 == 1) {
      const Col& f2 = t.cols[(c * 7 + 3) % n];
      if (f2.name != f1.name) text += " AND " + predicate(f2, int(c / 3), rng);
    }
    if (c % 5 == 4) text += std::string(" ORDER BY ") + t.cols[b].name + " LIMIT 50";
    sql::Fingerprint fp = sql::fingerprint_postgres(text);
    if (!fp.parsed || !seen.insert(fp.id).second) continue;
    const int calls = std::uniform_int_distribution<int>(1, 40)(rng);
    const double mean_ms = std::uniform_real_distribution<double>(0.5, 80.0)(rng);
    wl::QuerySample sample{text, {}, mean_ms * 1.5, now_ms - 1000, false};
    for (int i = 0; i < calls; ++i) {
      wl::QueryEvent e;
      e.key = wl::QueryKeyRef(fp.id, database, "postgres");
      e.normalized_text = fp.normalized;
      e.total_ms = i == 0 ? mean_ms * 1.5 : mean_ms;
      e.server_ms = e.total_ms;
      e.rows = 10;
      e.at_ms = now_ms - 1000 + i;
      e.sample = i == 0 ? &sample : nullptr;
      table.record(e);
    }
  }
  std::ofstream out(args.need("out"));
  out << wl::dump_json(wl::table_to_json(table)) << '\n';
  if (!out) throw std::runtime_error("cannot write " + args.need("out"));
  say(std::to_string(table.size()) + " distinct fingerprints (" + std::to_string(table.total_calls()) +
      " calls) written to " + args.need("out"));
  return 0;
}

// --- evaluation ---------------------------------------------------------------------------

struct Config {
  std::string label;  // "sluice", "a: every filtered column", ...
  std::vector<opt::IndexDefinition> indexes;
  int64_t est_bytes = 0;  // HypoPG's estimate, summed
  double plan_ms = 0;     // time to come up with it (advisor wall time)
  uint64_t whatif_calls = 0;
  int64_t budget_bytes = 0;
  std::string note;
  int64_t advisor_bytes = -1;  // Sluice only: used_bytes as the advisor itself estimated them
  int rejected_by_validation = 0;  // Sluice only: suggestions validation dropped
};

std::string config_key(const std::vector<opt::IndexDefinition>& indexes) {
  std::vector<std::string> keys;
  for (const auto& i : indexes) keys.push_back(i.key());
  std::sort(keys.begin(), keys.end());
  std::string k;
  for (const auto& s : keys) k += s + ";";
  return k;
}

std::string query_text(const opt::AdvisedQuery& q) {
  if (const auto* s = q.usable_sample(); s && s->params.empty()) return s->query;
  return q.normalized_text;
}

// The filtered columns (equality, range, join) of a query, resolved against the catalog:
// (table, column) with the table as the catalog names it.
std::vector<opt::IndexDefinition> filtered_columns(const opt::AdvisedQuery& q, const schema::PgCatalog& catalog) {
  std::vector<opt::IndexDefinition> out;
  sql::ColumnUsage usage = sql::column_usage_postgres(query_text(q));
  for (const auto& use : usage.uses) {
    if (use.role != sql::ColumnRole::Equality && use.role != sql::ColumnRole::Range && use.role != sql::ColumnRole::Join)
      continue;
    std::vector<std::string> tables = use.table.empty() ? use.candidate_tables : std::vector<std::string>{use.table};
    for (const auto& t : tables) {
      const schema::PgTable* pt = schema::find_table(catalog, t);
      if (!pt) continue;
      bool has = std::any_of(pt->columns.begin(), pt->columns.end(), [&](const auto& c) { return c.name == use.column; });
      if (!has) continue;
      opt::IndexDefinition def{pt->schema, pt->name, {use.column}};
      if (std::find(out.begin(), out.end(), def) == out.end()) out.push_back(def);
      break;
    }
  }
  return out;
}

// Keeps the indexes in the given order while they fit the budget (skipping those that do not).
std::vector<opt::IndexDefinition> pack(const std::vector<std::pair<opt::IndexDefinition, int64_t>>& ordered,
                                       int64_t budget, int64_t& used) {
  std::vector<opt::IndexDefinition> out;
  used = 0;
  for (const auto& [def, size] : ordered) {
    if (used + size > budget) continue;
    used += size;
    out.push_back(def);
  }
  return out;
}

struct Measured {
  std::vector<double> median_ms;  // per instance
  // Templates that looked more than 10% slower were re-timed (with the indexes, then again
  // without): the smaller median of each side is kept here, by instance.
  std::map<std::size_t, double> confirmed_after_ms, confirmed_before_ms;
  std::vector<std::string> slower;  // templates still slower after re-timing, "name (+12%)"
  // Every instance timed again without the configuration's indexes right after they were
  // dropped: the paired "before" that the size-matched comparison divides by, so that the
  // machine's drift over the run (often 20%) does not enter it.
  std::vector<double> paired_before_ms;
  // Reads whose plan (EXPLAIN with the indexes in place) uses none of the configuration's
  // indexes run the plan they ran without them: their "after" is their paired "before", so the
  // noise of long scans no index touches does not enter the comparison (as validation does).
  std::size_t unaffected_reads = 0;
  int64_t real_bytes = 0;
  double build_ms = 0;
  double load_start = 0, load_end = 0;  // 1-minute load average around the timing
  std::string error;
};

double load_average() {
  std::ifstream in("/proc/loadavg");
  double v = NAN;
  in >> v;
  return v;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return NAN;
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

class Evaluator {
 public:
  Evaluator(const Args& args)
      : target_(args.need("target")),
        workload_file_(args.need("workload")),
        instances_(read_instances(args.need("instances"))),
        runs_(std::stoi(args.get("runs", "3"))),
        warmup_(std::stoi(args.get("warmup", "1"))) {
    std::stringstream ss(args.get("budgets", "0.05,0.10,0.25,0.50"));
    for (std::string item; std::getline(ss, item, ',');) budgets_.push_back(std::stod(item));
  }

  std::string run();

 private:
  void load();
  double workload_cost(const std::vector<opt::IndexDefinition>& config);
  int64_t est_size(const std::vector<opt::IndexDefinition>& config);
  Config sluice(int64_t budget_bytes, const std::string& label);
  std::vector<std::pair<opt::IndexDefinition, int64_t>> baseline_a_ordered(double& plan_ms);
  std::vector<std::pair<opt::IndexDefinition, int64_t>> baseline_b_ordered(double& plan_ms, uint64_t& whatif_calls);
  const Measured& measure(const std::vector<opt::IndexDefinition>& config);
  std::vector<double> time_instances(const std::vector<std::size_t>& which, int timed_runs);
  // Templates whose calls-weighted time in `after` is more than 10% and 0.1 ms per call above
  // before_ (overrides replace single instances' values on either side).
  std::vector<std::string> slower_templates(const std::vector<double>& after, const std::map<std::size_t, double>& after_over,
                                            const std::map<std::size_t, double>& before_over) const;
  std::vector<double> before_;  // per instance, without new indexes

  std::string target_, workload_file_;
  std::vector<Instance> instances_;
  int runs_, warmup_;
  std::vector<double> budgets_;
  std::string database_;
  schema::PgCatalog catalog_;
  std::vector<opt::AdvisedQuery> queries_;
  std::unique_ptr<opt::WhatIfCoster> eval_coster_;  // estimated relative costs of every configuration
  std::vector<double> base_cost_;                   // per query, NaN when it could not be explained
  std::map<int64_t, Config> sluice_runs_;           // by budget_bytes
  std::map<std::string, Measured> measured_;        // by config_key
  std::unique_ptr<Connection> conn_;                 // for real builds and timings
};

void Evaluator::load() {
  database_ = database_of(target_);
  adv::PulledWorkload pulled = adv::pull_workload({adv::WorkloadSource{workload_file_, ""}}, 0);
  queries_ = adv::advised_queries(pulled.table, database_);
  if (queries_.empty()) throw std::runtime_error("no query of database " + database_ + " in " + workload_file_);
  catalog_ = schema::load_pg_catalog(target_);
  eval_coster_ = std::make_unique<opt::WhatIfCoster>(target_);
  uint64_t calls = 0;
  for (const auto& q : queries_) {
    calls += q.calls;
    auto r = eval_coster_->cost(q, {});
    base_cost_.push_back(r ? r->cost : NAN);
  }
  say("workload: " + std::to_string(queries_.size()) + " fingerprints, " + std::to_string(calls) + " calls; database " +
      database_ + " " + mb(catalog_.database_bytes) + " MB");
}

double Evaluator::workload_cost(const std::vector<opt::IndexDefinition>& config) {
  double before = 0, after = 0;
  for (std::size_t i = 0; i < queries_.size(); ++i) {
    if (!std::isfinite(base_cost_[i])) continue;
    std::vector<opt::IndexDefinition> relevant;
    for (const auto& def : config)
      if (opt::references_table(queries_[i], def)) relevant.push_back(def);
    auto r = eval_coster_->cost(queries_[i], relevant);
    const double w = double(queries_[i].calls);
    before += w * base_cost_[i];
    after += w * (r ? r->cost : base_cost_[i]);
  }
  return before > 0 ? after / before : 1.0;
}

int64_t Evaluator::est_size(const std::vector<opt::IndexDefinition>& config) {
  int64_t total = 0;
  for (const auto& def : config) total += eval_coster_->estimated_size_bytes(def);
  return total;
}

Config Evaluator::sluice(int64_t budget_bytes, const std::string& label) {
  if (auto it = sluice_runs_.find(budget_bytes); it != sluice_runs_.end()) {
    Config c = it->second;
    c.label = label;
    return c;
  }
  adv::RunOptions options;
  options.sources = {adv::WorkloadSource{workload_file_, ""}};
  options.target = target_;
  options.budget_bytes = budget_bytes;
  // ADV_VALIDATE=1 (the default): the advisor's full path, each suggestion built and timed by
  // validation (optimizer/index_validation) and dropped when it does not measurably help.
  const char* validate_env = std::getenv("ADV_VALIDATE");
  options.validate = validate_env == nullptr || std::string(validate_env) != "0";
  options.validation.warmup_runs = 1;
  options.validation.timed_runs = 3;
  say("sluice advisor, budget " + mb(budget_bytes) + " MB" + (options.validate ? ", with validation" : "") + " ...");
  adv::AdvisorReport report = adv::run_advisor(options, [](const std::string& line) { say("  advisor: " + line); });
  std::set<std::string> replaced;
  for (const auto& s : report.suggestions)
    if (!s.replaces.empty()) replaced.insert(s.replaces);
  Config c;
  c.label = label;
  c.budget_bytes = budget_bytes;
  for (const auto& s : report.suggestions) {
    std::string schema_name = "public", table = s.table;
    if (auto dot = s.table.find('.'); dot != std::string::npos) {
      schema_name = s.table.substr(0, dot);
      table = s.table.substr(dot + 1);
    }
    opt::IndexDefinition def{schema_name, table, s.columns};
    if (replaced.count(def.key())) continue;
    if (s.status == "rejected-by-validation") {
      ++c.rejected_by_validation;
      continue;
    }
    c.indexes.push_back(def);
  }
  c.est_bytes = est_size(c.indexes);
  c.advisor_bytes = report.used_bytes;
  c.plan_ms = report.wall_ms;
  c.whatif_calls = report.whatif_calls;
  if (c.rejected_by_validation > 0) {
    c.note = std::to_string(c.rejected_by_validation) + " suggestion(s) rejected by validation";
  }
  say("  " + std::to_string(c.indexes.size()) + " indexes (" + std::to_string(c.rejected_by_validation) +
      " rejected by validation), " + mb(c.est_bytes) + " MB estimated, " +
      fmt("%.1f", report.wall_ms / 1000) + " s, " + std::to_string(report.whatif_calls) + " what-if calls");
  sluice_runs_[budget_bytes] = c;
  return c;
}

// Baseline (a): every column a query filters or joins on (equality, range, join), one
// single-column index each, unless an existing index already starts with it. Ordered for the
// budget by how much workload cost uses it (calls x cost of the queries naming it).
std::vector<std::pair<opt::IndexDefinition, int64_t>> Evaluator::baseline_a_ordered(double& plan_ms) {
  const auto t0 = Clock::now();
  std::map<opt::IndexDefinition, double> weight;
  for (std::size_t i = 0; i < queries_.size(); ++i) {
    for (const auto& def : filtered_columns(queries_[i], catalog_)) {
      if (opt::covering_index(def, catalog_)) continue;
      weight[def] += double(queries_[i].calls) * (std::isfinite(base_cost_[i]) ? base_cost_[i] : 0);
    }
  }
  std::vector<std::pair<double, opt::IndexDefinition>> order;
  for (const auto& [def, w] : weight) order.push_back({w, def});
  std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<std::pair<opt::IndexDefinition, int64_t>> out;
  for (const auto& [w, def] : order) out.push_back({def, eval_coster_->estimated_size_bytes(def)});
  plan_ms = ms_since(t0);
  return out;
}

// Baseline (b), Dexter-style: each read query on its own; candidates are single and two-column
// indexes over its own filtered columns (per table, both orders); the cheapest plan's index is
// accepted when it cuts that query's cost by at least 50%. Ordered for the budget by weighted
// saving (calls x cost saved, summed over the queries that accepted it).
std::vector<std::pair<opt::IndexDefinition, int64_t>> Evaluator::baseline_b_ordered(double& plan_ms,
                                                                                   uint64_t& whatif_calls) {
  const auto t0 = Clock::now();
  opt::WhatIfCoster coster(target_);
  std::map<opt::IndexDefinition, double> saving;
  for (const auto& q : queries_) {
    if (q.is_write()) continue;
    auto base = coster.cost(q, {});
    if (!base || base->cost <= 0) continue;
    auto cols = filtered_columns(q, catalog_);
    std::vector<opt::IndexDefinition> cands;
    for (const auto& c : cols) cands.push_back(c);
    for (const auto& x : cols)
      for (const auto& y : cols)
        if (x.table == y.table && x.schema == y.schema && x.columns[0] != y.columns[0])
          cands.push_back({x.schema, x.table, {x.columns[0], y.columns[0]}});
    std::optional<opt::IndexDefinition> best;
    double best_cost = base->cost;
    for (const auto& cand : cands) {
      if (opt::covering_index(cand, catalog_)) continue;
      std::vector<opt::IndexDefinition> one{cand};
      auto r = coster.cost(q, one);
      if (r && r->cost < best_cost) best_cost = r->cost, best = cand;
    }
    if (best && best_cost <= 0.5 * base->cost) saving[*best] += double(q.calls) * (base->cost - best_cost);
  }
  whatif_calls = coster.stats().whatif_calls;
  std::vector<std::pair<double, opt::IndexDefinition>> order;
  for (const auto& [def, s] : saving) order.push_back({s, def});
  std::stable_sort(order.begin(), order.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<std::pair<opt::IndexDefinition, int64_t>> out;
  for (const auto& [s, def] : order) out.push_back({def, coster.estimated_size_bytes(def)});
  plan_ms = ms_since(t0);
  return out;
}

std::vector<double> Evaluator::time_instances(const std::vector<std::size_t>& which, int timed_runs) {
  std::vector<double> medians;
  for (std::size_t i : which) {
    const Instance& inst = instances_[i];
    std::vector<double> runs;
    for (int r = 0; r < warmup_ + timed_runs; ++r) {
      double ms;
      if (inst.write) {
        conn_->query("BEGIN");
        ms = conn_->timed(inst.sql);
        conn_->query("ROLLBACK");
      } else {
        ms = conn_->timed(inst.sql);
      }
      if (r >= warmup_) runs.push_back(ms);
    }
    medians.push_back(median(runs));
  }
  return medians;
}

const Measured& Evaluator::measure(const std::vector<opt::IndexDefinition>& config) {
  const std::string key = config_key(config);
  if (auto it = measured_.find(key); it != measured_.end()) return it->second;
  Measured m;
  std::set<std::string> tables;
  std::set<std::size_t> unaffected;
  std::vector<opt::IndexDefinition> built;
  try {
    const auto t0 = Clock::now();
    for (const auto& def : config) {
      conn_->query(def.create_statement(false));
      built.push_back(def);
      tables.insert(opt::quote_identifier(def.schema) + "." + opt::quote_identifier(def.table));
    }
    for (const auto& t : tables) conn_->query("ANALYZE " + t);
    m.build_ms = ms_since(t0);
    for (const auto& def : config)
      m.real_bytes += std::stoll(conn_->scalar("SELECT coalesce(pg_relation_size(to_regclass('" +
                                               opt::quote_identifier(def.schema) + "." + opt::quote_identifier(def.name()) +
                                               "')), 0)"));
    for (std::size_t i = 0; i < instances_.size() && !config.empty(); ++i) {
      if (instances_[i].write) continue;
      const std::string plan = conn_->scalar("EXPLAIN (FORMAT JSON) " + instances_[i].sql);
      bool uses = false;
      for (const auto& def : config) uses = uses || plan.find("\"" + def.name() + "\"") != std::string::npos;
      if (!uses) unaffected.insert(i);
    }
    m.load_start = load_average();
    std::vector<std::size_t> all(instances_.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    m.median_ms = time_instances(all, runs_);
    m.load_end = load_average();
    // Re-time what looks slower, with the indexes still in place (two more runs than usual).
    if (!before_.empty() && !slower_templates(m.median_ms, {}, {}).empty()) {
      for (const auto& name : slower_templates(m.median_ms, {}, {}))
        for (std::size_t i = 0; i < instances_.size(); ++i)
          if (name.rfind(instances_[i].name + " (", 0) == 0) m.confirmed_after_ms[i] = 0;
      std::vector<std::size_t> which;
      for (const auto& [i, v] : m.confirmed_after_ms) which.push_back(i);
      say("  re-timing " + std::to_string(which.size()) + " instances that look slower ...");
      auto again = time_instances(which, runs_ + 2);
      for (std::size_t k = 0; k < which.size(); ++k)
        m.confirmed_after_ms[which[k]] = std::min(m.median_ms[which[k]], again[k]);
    }
  } catch (const std::exception& e) {
    m.error = e.what();
    say("  error: " + m.error);
    try {
      conn_->query("ROLLBACK");
    } catch (const std::exception&) {
    }
  }
  for (const auto& def : built) conn_->query(def.drop_statement(false));
  if (!tables.empty())
    for (const auto& t : tables) conn_->query("ANALYZE " + t);
  if (!config.empty() && m.error.empty()) {
    std::vector<std::size_t> all(instances_.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    m.paired_before_ms = time_instances(all, runs_);
    for (std::size_t i : unaffected) {
      m.median_ms[i] = m.paired_before_ms[i];
      m.confirmed_after_ms.erase(i);
    }
    m.unaffected_reads = unaffected.size();
  }
  // ... and the same instances again without them.
  if (!m.confirmed_after_ms.empty() && m.error.empty()) {
    std::vector<std::size_t> which;
    for (const auto& [i, v] : m.confirmed_after_ms) which.push_back(i);
    auto again = time_instances(which, runs_ + 2);
    for (std::size_t k = 0; k < which.size(); ++k) m.confirmed_before_ms[which[k]] = std::min(before_[which[k]], again[k]);
  }
  for (std::size_t i : unaffected) {
    if (!m.error.empty() || i >= m.median_ms.size()) break;
    m.confirmed_after_ms[i] = m.confirmed_before_ms[i] = m.median_ms[i];  // same plan: unchanged
  }
  if (!before_.empty() && m.error.empty()) m.slower = slower_templates(m.median_ms, m.confirmed_after_ms, m.confirmed_before_ms);
  return measured_[key] = std::move(m);
}

std::vector<std::string> Evaluator::slower_templates(const std::vector<double>& after,
                                                     const std::map<std::size_t, double>& after_over,
                                                     const std::map<std::size_t, double>& before_over) const {
  std::map<std::string, std::pair<double, double>> per;  // before, after
  std::map<std::string, int> calls;
  std::vector<std::string> order;
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    const std::string& name = instances_[i].name;
    if (!calls.count(name)) order.push_back(name);
    auto b = before_over.find(i);
    auto a = after_over.find(i);
    per[name].first += instances_[i].reps * (b != before_over.end() ? b->second : before_[i]);
    per[name].second += instances_[i].reps * (a != after_over.end() ? a->second : after[i]);
    calls[name] += instances_[i].reps;
  }
  std::vector<std::string> out;
  for (const auto& name : order) {
    const auto& [before, after_total] = per[name];
    if (after_total > 1.10 * before && (after_total - before) / calls[name] > 0.1)
      out.push_back(name + fmt(" (%+.0f%%)", 100 * (after_total / before - 1)));
  }
  return out;
}

std::string Evaluator::run() {
  load();
  const int64_t db_bytes = catalog_.database_bytes;

  // Phase 1: every configuration, planned on the database as loaded (primary keys only).
  double a_ms = 0, b_ms = 0;
  uint64_t b_calls = 0;
  say("baseline a: every filtered column indexed singly ...");
  auto a_all = baseline_a_ordered(a_ms);
  say("baseline b: Dexter-style per-query rule ...");
  auto b_all = baseline_b_ordered(b_ms, b_calls);
  say("  a: " + std::to_string(a_all.size()) + " indexes; b: " + std::to_string(b_all.size()) + " indexes (" +
      std::to_string(b_calls) + " what-if calls)");

  struct Row {
    double fraction;
    int64_t budget;
    std::vector<Config> configs;  // sluice, a, b, then sluice at a's / b's size when needed
  };
  std::vector<Row> rows;
  for (double fraction : budgets_) {
    Row row{fraction, int64_t(double(db_bytes) * fraction), {}};
    Config a{"a: every filtered column", {}, 0, a_ms, 0, row.budget, ""};
    a.indexes = pack(a_all, row.budget, a.est_bytes);
    if (a.indexes.size() < a_all.size()) a.note = "trimmed to the budget";
    Config b{"b: Dexter-style", {}, 0, b_ms, b_calls, row.budget, ""};
    b.indexes = pack(b_all, row.budget, b.est_bytes);
    if (b.indexes.size() < b_all.size()) b.note = "trimmed to the budget";
    Config s = sluice(row.budget, "sluice");
    row.configs = {s, a, b};
    rows.push_back(std::move(row));
  }

  // Estimated relative costs with hypothetical indexes, computed while no new index is built.
  std::map<std::string, double> est_rel;
  auto estimate = [&](const Config& c) {
    const std::string key = config_key(c.indexes);
    if (!est_rel.count(key)) {
      if (!eval_coster_) eval_coster_ = std::make_unique<opt::WhatIfCoster>(target_);
      est_rel[key] = workload_cost(c.indexes);
    }
  };
  for (auto& row : rows)
    for (auto& c : row.configs) estimate(c);
  say("what-if estimates done (" + std::to_string(eval_coster_->stats().whatif_calls) + " what-if calls)");

  // Phase 2: real builds and timings.
  conn_ = std::make_unique<Connection>(target_);
  conn_->query("SET statement_timeout = '120s'");
  say("timing " + std::to_string(instances_.size()) + " instances without new indexes (" + std::to_string(warmup_) +
      " warm-up + " + std::to_string(runs_) + " timed runs each) ...");
  const Measured& none = measure({});
  if (!none.error.empty()) throw std::runtime_error("timing without indexes failed: " + none.error);
  before_ = none.median_ms;
  auto weighted = [&](const std::vector<double>& med) {
    double total = 0;
    for (std::size_t i = 0; i < instances_.size() && i < med.size(); ++i) total += instances_[i].reps * med[i];
    return total;
  };
  const double before_ms = weighted(none.median_ms);
  say("  weighted workload time without new indexes: " + fmt("%.1f", before_ms) + " ms");

  std::ostringstream md;
  std::ostringstream notes;
  std::ostringstream lists;
  md << "## Configurations\n\n";
  md << "Budget: fraction of the database size (" << mb(db_bytes) << " MB). Estimated cost: calls x planner cost with the "
        "configuration as HypoPG indexes, relative to no new index. Measured: calls-weighted sum of each instance's "
        "median time (direct connection); a read whose plan (EXPLAIN with the indexes built) uses none of the "
        "configuration's indexes counts as unchanged (its paired time, below), as validation counts it; "
        "measured rel.: against no new index timed at the start ("
     << fmt("%.1f", before_ms) << " ms); paired rel.: against no new index timed again right after this "
        "configuration's indexes were dropped (drift over the run cancels out).\n\n";
  md << "| budget | configuration | indexes | est. MB | real MB | est. cost | measured ms | measured rel. | paired rel. | speed-up | "
        "slower >10% reads / writes | planning s | what-if calls | load |\n";
  md << "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
  std::set<std::string> listed;
  // Measures one configuration and writes its table row, notes and index list.
  auto emit = [&](const Row& row, const Config& c) -> const Measured& {
    say("budget " + fmt("%.0f%%", 100 * row.fraction) + ", " + c.label + ": building " +
        std::to_string(c.indexes.size()) + " indexes and timing ...");
    const Measured& m = measure(c.indexes);
    const std::vector<std::string>& slow_names = m.slower;
    std::string measured = "error", rel = "-", paired_rel = "-", speed = "-", slow = "-";
    double after_ms = NAN;
    if (m.error.empty()) {
      after_ms = weighted(m.median_ms);
      measured = fmt("%.1f", after_ms);
      rel = fmt("%.3f", after_ms / before_ms);
      if (!m.paired_before_ms.empty()) paired_rel = fmt("%.3f", after_ms / weighted(m.paired_before_ms));
      speed = fmt("%.2fx", before_ms / after_ms);
      // Reads slower: plan regressions (target 0). Writes slower: the upkeep of the indexes on
      // their table, which every configuration that indexes a written table pays.
      std::size_t slow_writes = 0;
      for (const auto& name : slow_names) {
        for (const Instance& inst : instances_) {
          if (inst.write && name.rfind(inst.name + " (", 0) == 0) {
            ++slow_writes;
            break;
          }
        }
      }
      slow = std::to_string(slow_names.size() - slow_writes) + " / " + std::to_string(slow_writes);
    }
    say("  " + c.label + ": " + measured + " ms (" + speed + "), " + mb(m.real_bytes) + " MB, " + slow +
        " slower (reads / writes)");
    md << "| " << fmt("%.0f%%", 100 * row.fraction) << " (" << mb(row.budget) << " MB) | " << c.label << " | "
       << c.indexes.size() << " | " << mb(c.est_bytes) << " | " << mb(m.real_bytes) << " | "
       << fmt("%.3f", est_rel[config_key(c.indexes)]) << " | " << measured << " | " << rel << " | " << paired_rel
       << " | " << speed << " | "
       << slow << " | " << fmt("%.2f", c.plan_ms / 1000) << " | " << c.whatif_calls << " | " << fmt("%.1f", m.load_start) << fmt(" / %.1f", m.load_end) << " |\n";
    if (!slow_names.empty()) {
      notes << "- " << fmt("%.0f%%", 100 * row.fraction) << " " << c.label << ": slower: ";
      for (std::size_t i = 0; i < slow_names.size(); ++i) notes << (i ? ", " : "") << slow_names[i];
      notes << "\n";
    }
    if (!m.error.empty()) notes << "- " << c.label << ": " << m.error << "\n";
    if (m.unaffected_reads > 0)
      notes << "- " << fmt("%.0f%%", 100 * row.fraction) << " " << c.label << ": " << m.unaffected_reads << " of "
            << instances_.size() << " instances are reads whose plan uses none of its indexes (counted as unchanged)\n";
    if (!c.note.empty()) notes << "- " << fmt("%.0f%%", 100 * row.fraction) << " " << c.label << ": " << c.note << "\n";
    if (c.advisor_bytes >= 0)
      notes << "- " << fmt("%.0f%%", 100 * row.fraction) << " " << c.label << ": budget " << mb(c.budget_bytes)
            << " MB, the advisor's own size estimate of its choice " << mb(c.advisor_bytes) << " MB\n";
    const std::string key = config_key(c.indexes);
    if (!listed.count(key)) {
      listed.insert(key);
      lists << "- " << fmt("%.0f%%", 100 * row.fraction) << " " << c.label << ": ";
      if (c.indexes.empty()) lists << "(none)";
      for (std::size_t i = 0; i < c.indexes.size(); ++i) lists << (i ? ", " : "") << "`" << c.indexes[i].display() << "`";
      lists << "\n";
    }
    return m;
  };
  for (auto& row : rows) {
    for (const Config& c : row.configs) emit(row, c);
    // For each baseline whose real size is below Sluice's: Sluice again with a smaller budget
    // until its real size is at most the baseline's (HypoPG's size estimates miss B-tree
    // deduplication, so they are off by different factors for different indexes).
    const Config s0 = row.configs[0];
    const int64_t s_real = measured_[config_key(s0.indexes)].real_bytes;
    for (std::size_t bi : {std::size_t(1), std::size_t(2)}) {
      const Config base = row.configs[bi];
      const int64_t base_real = measured_[config_key(base.indexes)].real_bytes;
      if (s_real <= base_real || base_real <= 0 || s0.advisor_bytes <= 0) continue;
      const std::string label = std::string("sluice at ") + base.label.substr(0, 1) + "'s size";
      // The baseline's real size as the budget: the advisor's own sizes (pg_stats with B-tree
      // deduplication) track real ones within a few per cent; shrunk below when it overshoots.
      // A choice well under the baseline's real size (validation rejected some, or the
      // estimates ran high) gets one budget scaled up to the room left; the largest choice that
      // fits is kept, whatever its timing.
      double budget = double(base_real);
      std::optional<Config> fitting, last;
      int64_t fitting_real = -1;
      bool grew = false;
      for (int attempt = 0; attempt < 4; ++attempt) {
        Config m = sluice(int64_t(budget), label);
        estimate(m);
        last = m;
        const Measured& mm = measure(m.indexes);
        if (mm.error.empty() && mm.real_bytes <= base_real && mm.real_bytes > fitting_real) {
          fitting = m;
          fitting_real = mm.real_bytes;
        }
        if (m.indexes.empty() || mm.real_bytes <= 0) break;
        if (mm.real_bytes > base_real) {
          budget = double(std::min(int64_t(budget), m.advisor_bytes)) * 0.97 * double(base_real) / double(mm.real_bytes);
        } else if (!grew && double(mm.real_bytes) < 0.9 * double(base_real)) {
          grew = true;
          budget = budget * double(base_real) / double(mm.real_bytes);
        } else {
          break;
        }
      }
      if (fitting) {
        row.configs.push_back(*fitting);
        emit(row, *fitting);
      } else if (last) {
        last->note = "no choice at or under the baseline's size in 4 budgets; the last one";
        row.configs.push_back(*last);
        emit(row, *last);
      }
    }
  }

  // Drift: the same timings without new indexes once more, at the end.
  say("timing " + std::to_string(instances_.size()) + " instances without new indexes again (drift check) ...");
  std::vector<std::size_t> all(instances_.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const double load0 = load_average();
  const double before_end_ms = weighted(time_instances(all, runs_));
  say("  weighted workload time without new indexes, at the end: " + fmt("%.1f", before_end_ms) + " ms");

  std::ostringstream out;
  out << md.str() << "\n";
  out << "Without new indexes, timed again at the end: " << fmt("%.1f", before_end_ms) << " ms ("
      << fmt("%+.1f%%", 100 * (before_end_ms / before_ms - 1)) << " against the start; load "
      << fmt("%.1f", load0) << "). Load: the machine's 1-minute load average when the timing of a configuration "
      << "started / ended (2 CPUs, shared).\n\n";
  out << "## Sluice against each baseline at equal or smaller size\n\n";
  out << "Real index sizes (MB) and measured time relative to no new index (paired: timed right after each "
         "configuration); where Sluice's own choice at the budget is "
         "larger than a baseline's (real size after CREATE INDEX), Sluice is re-run with the baseline's real size as the "
         "budget, scaled down while its real size is larger and up once when it is under 90% of it (at most 4 budgets); "
         "the largest choice that fits is shown as \"sluice at a's size\" / \"sluice at b's size\" above.\n\n";
  out << "| budget | sluice MB | sluice rel. | a MB | a rel. | sluice (<= a) MB | sluice (<= a) rel. | b MB | b rel. | "
         "sluice (<= b) MB | sluice (<= b) rel. |\n";
  out << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  auto cell_mb = [](int64_t b) { return b < 0 ? std::string("-") : mb(b); };
  auto cell_rel = [](double r) { return std::isfinite(r) ? fmt("%.3f", r) : std::string("-"); };
  struct Sizes {
    int64_t s_real = -1, a_real = -1, b_real = -1, sa_real = -1, sb_real = -1;
    double s_rel = NAN, a_rel = NAN, b_rel = NAN, sa_rel = NAN, sb_rel = NAN;
  };
  for (auto& row : rows) {
    Sizes sz;
    for (auto& c : row.configs) {
      const Measured& m = measured_[config_key(c.indexes)];
      const double paired = m.paired_before_ms.empty() ? before_ms : weighted(m.paired_before_ms);
      const double r = m.error.empty() ? weighted(m.median_ms) / paired : NAN;
      if (c.label == "sluice") sz.s_real = m.real_bytes, sz.s_rel = r;
      else if (c.label[0] == 'a') sz.a_real = m.real_bytes, sz.a_rel = r;
      else if (c.label[0] == 'b') sz.b_real = m.real_bytes, sz.b_rel = r;
      else if (c.label == "sluice at a's size") sz.sa_real = m.real_bytes, sz.sa_rel = r;
      else if (c.label == "sluice at b's size") sz.sb_real = m.real_bytes, sz.sb_rel = r;
    }
    // Without a re-run, Sluice's own choice already is at most the baseline's size.
    if (sz.sa_real < 0) sz.sa_real = sz.s_real, sz.sa_rel = sz.s_rel;
    if (sz.sb_real < 0) sz.sb_real = sz.s_real, sz.sb_rel = sz.s_rel;
    out << "| " << fmt("%.0f%%", 100 * row.fraction) << " | " << cell_mb(sz.s_real) << " | " << cell_rel(sz.s_rel) << " | "
        << cell_mb(sz.a_real) << " | " << cell_rel(sz.a_rel) << " | " << cell_mb(sz.sa_real) << " | "
        << cell_rel(sz.sa_rel) << " | " << cell_mb(sz.b_real) << " | " << cell_rel(sz.b_rel) << " | "
        << cell_mb(sz.sb_real) << " | " << cell_rel(sz.sb_rel) << " |\n";
  }
  out << "\n## Indexes per configuration\n\n" << lists.str();
  out << "\n## Per-template timings without new indexes\n\n";
  out << "| template | kind | instances | calls | median ms per call (mean over instances) |\n|---|---|---:|---:|---:|\n";
  {
    std::map<std::string, std::tuple<bool, int, int, double>> per;
    std::vector<std::string> order;
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      auto& [w, n, calls, sum] = per[instances_[i].name];
      if (n == 0) order.push_back(instances_[i].name);
      w = instances_[i].write;
      ++n;
      calls += instances_[i].reps;
      sum += none.median_ms[i];
    }
    for (const auto& name : order) {
      auto& [w, n, calls, sum] = per[name];
      out << "| " << name << " | " << (w ? "write" : "read") << " | " << n << " | " << calls << " | "
          << fmt("%.2f", sum / n) << " |\n";
    }
  }
  // Where each configuration's time goes: calls-weighted ms per template, relative to its own
  // paired no-index timing, one table per budget (the first four configurations in their order).
  out << "\n## Per-template time by configuration\n\n"
         "Calls-weighted measured ms of each template with the configuration's indexes / without (paired: "
         "timed right after they were dropped).\n";
  {
    std::vector<std::string> order;
    for (const Instance& inst : instances_) {
      if (std::find(order.begin(), order.end(), inst.name) == order.end()) order.push_back(inst.name);
    }
    for (const auto& row : rows) {
      out << "\n### " << fmt("%.0f%%", 100 * row.fraction) << "\n\n| template |";
      for (const Config& c : row.configs) out << " " << c.label << " |";
      out << "\n|---|";
      for (std::size_t k = 0; k < row.configs.size(); ++k) out << "---:|";
      out << "\n";
      for (const auto& name : order) {
        out << "| " << name << " |";
        for (const Config& c : row.configs) {
          const Measured& m = measured_[config_key(c.indexes)];
          double after = 0, before = 0;
          for (std::size_t i = 0; i < instances_.size() && i < m.median_ms.size(); ++i) {
            if (instances_[i].name != name) continue;
            after += instances_[i].reps * m.median_ms[i];
            before += instances_[i].reps *
                      (i < m.paired_before_ms.size() ? m.paired_before_ms[i] : none.median_ms[i]);
          }
          out << " " << (m.error.empty() ? fmt("%.0f", after) + " / " + fmt("%.0f", before) : std::string("-")) << " |";
        }
        out << "\n";
      }
    }
  }
  if (!notes.str().empty()) out << "\n## Notes\n\n" << notes.str();
  return out.str();
}

int cmd_evaluate(const Args& args) {
  Evaluator e(args);
  std::string md = e.run();
  std::ofstream out(args.need("out-md"));
  out << md;
  if (!out) throw std::runtime_error("cannot write " + args.need("out-md"));
  return 0;
}

// Prints "queries calls" of a workload export (any shape the advisor reads).
int cmd_workload_summary(const Args& args) {
  adv::PulledWorkload pulled = adv::pull_workload({adv::WorkloadSource{args.need("file"), ""}}, 0);
  std::cout << pulled.table.size() << ' ' << pulled.table.total_calls() << '\n';
  return 0;
}

// Prints "wall_ms whatif_calls whatif_cache_hits queries_advised candidates suggestions used_bytes" of a
// report.json.
int cmd_report_summary(const Args& args) {
  std::ifstream in(args.need("file"));
  if (!in) throw std::runtime_error("cannot read " + args.need("file"));
  nlohmann::json j = nlohmann::json::parse(in);
  auto num = [&](const char* key) { return j.contains(key) ? j[key].dump() : std::string("-"); };
  std::cout << num("wall_ms") << ' ' << num("whatif_calls") << ' ' << num("whatif_cache_hits") << ' '
            << num("queries_advised") << ' ' << num("candidates") << ' '
            << (j.contains("suggestions") ? j["suggestions"].size() : 0) << ' ' << num("used_bytes") << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sluice_advisor_eval instances|scale-workload|evaluate --option value ...\n";
    return 2;
  }
  try {
    const std::string cmd = argv[1];
    Args args = parse_args(argc, argv, 2);
    if (cmd == "instances") return cmd_instances(args);
    if (cmd == "scale-workload") return cmd_scale_workload(args);
    if (cmd == "evaluate") return cmd_evaluate(args);
    if (cmd == "workload-summary") return cmd_workload_summary(args);
    if (cmd == "report-summary") return cmd_report_summary(args);
    std::cerr << "unknown subcommand " << cmd << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "advisor-eval: error: " << e.what() << "\n";
    return 1;
  }
}
