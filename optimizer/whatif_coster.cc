#include "optimizer/whatif_coster.h"
#include "schema/pg_conninfo.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

namespace sluice::optimizer {

namespace {

constexpr const char* kStatementName = "sluice_whatif";
constexpr const char* kStatementTimeout = "10s";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

bool ok(const Result& r) {
  if (!r) return false;
  const ExecStatusType s = PQresultStatus(r.get());
  return s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void ignore_notice(void*, const char*) {}

// Every "Index Name" in a plan tree (Plans, InitPlans, SubPlans are all nested objects).
void collect_index_names(const nlohmann::json& node, std::vector<std::string>& out) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "Index Name" && it.value().is_string()) {
        out.push_back(it.value().get<std::string>());
      } else if (it.value().is_structured()) {
        collect_index_names(it.value(), out);
      }
    }
  } else if (node.is_array()) {
    for (const auto& child : node) collect_index_names(child, out);
  }
}

}  // namespace

bool references_table(const AdvisedQuery& query, const IndexDefinition& index) {
  if (query.tables.empty()) return true;
  for (const std::string& t : query.tables) {
    const std::size_t dot = t.find('.');
    if (dot == std::string::npos) {
      if (iequals(t, index.table)) return true;
    } else if (iequals(std::string_view(t).substr(0, dot), index.schema) &&
               iequals(std::string_view(t).substr(dot + 1), index.table)) {
      return true;
    }
  }
  return false;
}

struct WhatIfCoster::Impl {
  struct CacheEntry {
    std::optional<WhatIfResult> result;
    std::string error;
  };
  struct Explained {
    std::optional<WhatIfResult> result;
    std::string error;
  };

  PGconn* conn = nullptr;
  std::string where;  // host:port/db
  std::string server_version;
  std::string hypopg_version;
  WhatIfStats stats;
  std::string last_error;

  std::map<std::string, unsigned> current;                      // key() -> hypothetical index oid
  std::unordered_map<std::string, std::string> name_to_key;    // HypoPG's index name -> key()
  std::map<std::string, std::string> bad_keys;                 // key() -> why HypoPG refused it
  std::unordered_map<std::string, CacheEntry> cache;
  std::unordered_map<std::string, int64_t> sizes;
  std::string plan_mode;  // plan_cache_mode as last set on the session ("" = server default)

  ~Impl() {
    if (conn) {
      if (PQstatus(conn) == CONNECTION_OK) Result(PQexec(conn, "SELECT hypopg_reset()"));
      PQfinish(conn);
    }
  }

  std::string error_of(const Result& r) const {
    std::string msg = r ? PQresultErrorMessage(r.get()) : "";
    if (msg.empty()) msg = PQerrorMessage(conn);
    return trimmed(msg);
  }

  Result exec(const std::string& sql) { return Result(PQexec(conn, sql.c_str())); }

  Result exec_params(const std::string& sql, std::initializer_list<const char*> params) {
    std::vector<const char*> values(params);
    return Result(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0));
  }

  // The settings every what-if session runs with. False (and last_error) when one fails.
  bool setup_session(std::string& error) {
    for (const std::string& sql : {std::string("SET statement_timeout = '") + kStatementTimeout + "'",
                                   std::string("SET application_name = 'sluice-whatif'"),
                                   // Belt and braces: EXPLAIN (without ANALYZE) never runs a write,
                                   // and a read-only session refuses one anyway.
                                   std::string("SET default_transaction_read_only = on")}) {
      Result r = exec(sql);
      if (!ok(r)) {
        error = error_of(r);
        return false;
      }
    }
    plan_mode.clear();
    return true;
  }

  // After a failed statement: no failed transaction left open; a lost connection comes back
  // (without its hypothetical indexes, which are recreated on demand).
  void recover() {
    if (PQstatus(conn) != CONNECTION_OK) {
      PQreset(conn);
      current.clear();
      name_to_key.clear();
      plan_mode.clear();
      if (PQstatus(conn) == CONNECTION_OK) {
        std::string ignored;
        setup_session(ignored);
      }
      return;
    }
    const PGTransactionStatusType ts = PQtransactionStatus(conn);
    if (ts == PQTRANS_INERROR || ts == PQTRANS_INTRANS) Result(PQexec(conn, "ROLLBACK"));
  }

  bool drop_hypothetical(const std::string& key) {
    auto it = current.find(key);
    if (it == current.end()) return true;
    const std::string oid = std::to_string(it->second);
    Result r = exec_params("SELECT hypopg_drop_index($1::oid)", {oid.c_str()});
    for (auto n = name_to_key.begin(); n != name_to_key.end();) {
      n = n->second == key ? name_to_key.erase(n) : std::next(n);
    }
    current.erase(it);
    if (!ok(r)) {
      recover();
      return false;
    }
    return true;
  }

  bool create_hypothetical(const IndexDefinition& index) {
    const std::string key = index.key();
    if (current.count(key)) return true;
    if (bad_keys.count(key)) return false;
    const std::string statement = index.hypothetical_statement();
    Result r = exec_params("SELECT indexrelid, indexname FROM hypopg_create_index($1)", {statement.c_str()});
    if (!ok(r) || PQntuples(r.get()) != 1) {
      bad_keys[key] = ok(r) ? "hypopg_create_index returned no index" : error_of(r);
      recover();
      return false;
    }
    current[key] = static_cast<unsigned>(std::strtoul(PQgetvalue(r.get(), 0, 0), nullptr, 10));
    name_to_key[PQgetvalue(r.get(), 0, 1)] = key;
    return true;
  }

  // Makes the session's hypothetical indexes exactly `wanted` (less those HypoPG refused),
  // dropping and creating only the difference.
  void sync(std::span<const IndexDefinition> wanted) {
    std::map<std::string, const IndexDefinition*> want;
    for (const IndexDefinition& d : wanted) want.emplace(d.key(), &d);
    std::vector<std::string> stale;
    for (const auto& [key, oid] : current) {
      if (!want.count(key)) stale.push_back(key);
    }
    for (const std::string& key : stale) drop_hypothetical(key);
    for (const auto& [key, def] : want) {
      if (!current.count(key)) create_hypothetical(*def);
    }
  }

  bool set_plan_mode(const std::string& mode, std::string& error) {
    if (plan_mode == mode) return true;
    Result r = exec("SET plan_cache_mode = " + mode);
    if (!ok(r)) {
      error = error_of(r);
      recover();
      return false;
    }
    plan_mode = mode;
    return true;
  }

  Explained parse_plan(const Result& r) {
    Explained out;
    if (PQntuples(r.get()) < 1 || PQnfields(r.get()) < 1) {
      out.error = "EXPLAIN returned no plan";
      return out;
    }
    try {
      const nlohmann::json doc = nlohmann::json::parse(PQgetvalue(r.get(), 0, 0));
      const nlohmann::json& plan = doc.at(0).at("Plan");
      WhatIfResult res;
      res.cost = plan.at("Total Cost").get<double>();
      std::vector<std::string> names;
      collect_index_names(doc, names);
      std::set<std::string> used;
      for (const std::string& n : names) {
        auto it = name_to_key.find(n);
        if (it != name_to_key.end()) used.insert(it->second);
      }
      res.used_indexes.assign(used.begin(), used.end());
      out.result = std::move(res);
    } catch (const std::exception& e) {
      out.error = std::string("unreadable EXPLAIN output: ") + e.what();
    }
    return out;
  }

  // EXPLAIN of a statement with its literals. The extended protocol refuses several statements
  // in one string, so nothing after a ';' can run.
  Explained explain_direct(const std::string& text) {
    Result r(PQexecParams(conn, ("EXPLAIN (FORMAT JSON) " + text).c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0));
    if (!ok(r)) {
      Explained out{std::nullopt, error_of(r)};
      recover();
      return out;
    }
    return parse_plan(r);
  }

  // PREPARE text; EXPLAIN EXECUTE with the values (custom plan) or with NULLs (generic plan).
  Explained explain_prepared(const std::string& text, const std::vector<std::optional<std::string>>* params) {
    Explained out;
    if (!set_plan_mode(params ? "force_custom_plan" : "force_generic_plan", out.error)) return out;
    Result prep(PQprepare(conn, kStatementName, text.c_str(), 0, nullptr));
    if (!ok(prep)) {
      out.error = error_of(prep);
      recover();
      return out;
    }
    std::string args;
    bool args_ok = true;
    if (params) {
      for (const auto& p : *params) {
        if (!args.empty()) args += ", ";
        if (!p) {
          args += "NULL";
          continue;
        }
        char* lit = PQescapeLiteral(conn, p->data(), p->size());
        if (!lit) {
          out.error = trimmed(PQerrorMessage(conn));
          args_ok = false;
          break;
        }
        args += lit;
        PQfreemem(lit);
      }
    } else {
      Result desc(PQdescribePrepared(conn, kStatementName));
      if (!ok(desc)) {
        out.error = error_of(desc);
        args_ok = false;
      } else {
        for (int i = 0; i < PQnparams(desc.get()); ++i) args += i ? ", NULL" : "NULL";
      }
    }
    if (args_ok) {
      std::string sql = std::string("EXPLAIN (FORMAT JSON) EXECUTE ") + kStatementName;
      if (!args.empty()) sql += "(" + args + ")";
      Result r = exec(sql);
      if (ok(r)) {
        out = parse_plan(r);
      } else {
        out.error = error_of(r);
        recover();
      }
    }
    Result dealloc = exec(std::string("DEALLOCATE ") + kStatementName);
    if (!ok(dealloc)) recover();
    return out;
  }

  Explained explain(const AdvisedQuery& query) {
    std::string sample_error;
    if (const workload::QuerySample* s = query.usable_sample(); s && !s->query.empty()) {
      Explained e = s->params.empty() ? explain_direct(s->query) : explain_prepared(s->query, &s->params);
      if (e.result) return e;
      sample_error = e.error;
      if (query.normalized_text.empty()) return e;
    }
    if (query.normalized_text.empty()) return {std::nullopt, "no query text"};
    Explained e = explain_prepared(query.normalized_text, nullptr);
    if (!e.result && !sample_error.empty()) e.error = "sample: " + sample_error + "; normalized text: " + e.error;
    return e;
  }
};

WhatIfCoster::WhatIfCoster(const std::string& conninfo_or_url) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.where = schema::parse_pg_conninfo(conninfo_or_url).describe();
  m.conn = PQconnectdb(conninfo_or_url.c_str());
  if (!m.conn || PQstatus(m.conn) != CONNECTION_OK) {
    const std::string msg = m.conn ? trimmed(PQerrorMessage(m.conn)) : "out of memory";
    throw std::runtime_error("what-if costing: cannot connect to " + m.where + ": " + msg);
  }
  m.where = std::string(PQhost(m.conn)) + ":" + PQport(m.conn) + "/" + PQdb(m.conn);
  PQsetNoticeProcessor(m.conn, ignore_notice, nullptr);
  const int v = PQserverVersion(m.conn);
  m.server_version = std::to_string(v / 10000) + "." + std::to_string(v % 100);

  Result ext = m.exec("CREATE EXTENSION IF NOT EXISTS hypopg");
  if (!ok(ext)) {
    throw std::runtime_error("what-if costing: HypoPG is not available on " + m.where + ": " + m.error_of(ext));
  }
  Result ver = m.exec("SELECT extversion FROM pg_extension WHERE extname = 'hypopg'");
  if (ok(ver) && PQntuples(ver.get()) == 1) m.hypopg_version = PQgetvalue(ver.get(), 0, 0);
  std::string error;
  if (!m.setup_session(error)) {
    throw std::runtime_error("what-if costing: cannot set up the session on " + m.where + ": " + error);
  }
  Result reset = m.exec("SELECT hypopg_reset()");
  if (!ok(reset)) {
    throw std::runtime_error("what-if costing: hypopg_reset() failed on " + m.where + ": " + m.error_of(reset));
  }
}

WhatIfCoster::~WhatIfCoster() = default;

std::optional<WhatIfResult> WhatIfCoster::cost(const AdvisedQuery& query,
                                               std::span<const IndexDefinition> hypothetical) {
  Impl& m = *impl_;
  std::vector<std::string> relevant;
  for (const IndexDefinition& d : hypothetical) {
    if (references_table(query, d)) relevant.push_back(d.key());
  }
  std::sort(relevant.begin(), relevant.end());
  relevant.erase(std::unique(relevant.begin(), relevant.end()), relevant.end());
  // The id names the query within a run; without one, its texts do.
  std::string cache_key = query.id;
  if (cache_key.empty()) {
    cache_key = query.normalized_text;
    if (const workload::QuerySample* s = query.usable_sample()) cache_key += '\x1d' + s->query;
  }
  for (const std::string& k : relevant) {
    cache_key += '\x1e';
    cache_key += k;
  }
  if (auto it = m.cache.find(cache_key); it != m.cache.end()) {
    ++m.stats.cache_hits;
    if (!it->second.result) m.last_error = it->second.error;
    return it->second.result;
  }

  Impl::CacheEntry entry;
  m.sync(hypothetical);
  for (const std::string& k : relevant) {
    if (auto bad = m.bad_keys.find(k); bad != m.bad_keys.end()) {
      entry.error = "hypothetical index " + k + " refused on " + m.where + ": " + bad->second;
      break;
    }
  }
  if (entry.error.empty()) {
    if (PQstatus(m.conn) != CONNECTION_OK) m.recover();
    ++m.stats.whatif_calls;
    Impl::Explained e = m.explain(query);
    entry.result = std::move(e.result);
    if (!entry.result) entry.error = "cannot explain query " + query.id + " on " + m.where + ": " + e.error;
  }
  if (!entry.result) {
    ++m.stats.failures;
    m.last_error = entry.error;
  }
  std::optional<WhatIfResult> out = entry.result;
  m.cache.emplace(std::move(cache_key), std::move(entry));
  return out;
}

int64_t WhatIfCoster::estimated_size_bytes(const IndexDefinition& index) {
  Impl& m = *impl_;
  const std::string key = index.key();
  if (auto it = m.sizes.find(key); it != m.sizes.end()) return it->second;
  if (!m.create_hypothetical(index)) {
    auto bad = m.bad_keys.find(key);
    m.last_error = "hypothetical index " + key + " refused on " + m.where + ": " +
                   (bad != m.bad_keys.end() ? bad->second : std::string("unknown error"));
    return -1;
  }
  const std::string oid = std::to_string(m.current.at(key));
  Result r = m.exec_params("SELECT hypopg_relation_size($1::oid)", {oid.c_str()});
  if (!ok(r) || PQntuples(r.get()) != 1) {
    m.last_error = "hypopg_relation_size failed for " + key + " on " + m.where + ": " + m.error_of(r);
    m.recover();
    return -1;
  }
  const int64_t size = std::strtoll(PQgetvalue(r.get(), 0, 0), nullptr, 10);
  m.sizes[key] = size;
  return size;
}

const WhatIfStats& WhatIfCoster::stats() const { return impl_->stats; }
const std::string& WhatIfCoster::last_error() const { return impl_->last_error; }
std::string WhatIfCoster::server_version() const { return impl_->server_version; }
std::string WhatIfCoster::hypopg_version() const { return impl_->hypopg_version; }

}  // namespace sluice::optimizer
