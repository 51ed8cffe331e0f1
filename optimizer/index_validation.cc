#include "optimizer/index_validation.h"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "common/target_url.h"
#include "schema/pg_conninfo.h"

namespace sluice::optimizer {

namespace {

using Clock = std::chrono::steady_clock;

// A query counts as slower only when the difference is also above this much: client-side timing
// of a sub-millisecond lookup over loopback jitters by tens of microseconds.
constexpr double kNoiseFloorMs = 0.05;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string trimmed(const char* message) {
  std::string m = message != nullptr ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ' || m.back() == '\r')) m.pop_back();
  return m;
}

// The first line of a server message (DETAIL/HINT lines left out), for verdicts.
std::string first_line(const std::string& message) {
  const auto nl = message.find('\n');
  return nl == std::string::npos ? message : message.substr(0, nl);
}

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultClearer>;

void ignore_notice(void*, const char*) {}

// Replaces every occurrence of secret in text by "****" (no-op for an empty secret).
std::string scrubbed(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + 4)) {
    text.replace(pos, secret.size(), "****");
  }
  return text;
}

// host, port, dbname and password as the caller wrote them (URL or key=value), when they parse.
using ConnTarget = schema::PgConninfo;

// One direct connection to the database under validation.
class Session {
 public:
  explicit Session(const std::string& conninfo_or_url) {
    const ConnTarget target = schema::parse_pg_conninfo(conninfo_or_url);
    if (!target.parsed) {
      // The string itself is not repeated: it may hold a password libpq could not pick out.
      throw std::runtime_error("index validation: invalid connection string: " +
                               common::mask_url_password(target.parse_error));
    }
    // Defaults first: settings in the caller's string (expanded from "dbname") override them.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"10", "sluice index validation", conninfo_or_url.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keys, values, 1));
    if (!conn_) throw std::runtime_error("index validation: cannot connect: out of memory");
    where_ = endpoint(target);
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      throw std::runtime_error("index validation: cannot connect to " + where_ + ": " +
                               scrubbed(trimmed(PQerrorMessage(conn_.get())), target.password));
    }
    PQsetNoticeProcessor(conn_.get(), ignore_notice, nullptr);
  }

  const std::string& where() const { return where_; }
  PGconn* get() const { return conn_.get(); }

  // Runs one statement (simple protocol); the error message, or nullopt on success.
  std::optional<std::string> exec(const std::string& sql) {
    Result r(PQexec(conn_.get(), sql.c_str()));
    return error_of(r.get());
  }

  // One statement with text parameters; rows come back in r.
  Result exec_params(const std::string& sql, const std::vector<const char*>& params) {
    return Result(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                               params.empty() ? nullptr : params.data(), nullptr, nullptr, 0));
  }

  std::optional<std::string> error_of(const PGresult* r) const {
    const ExecStatusType st = PQresultStatus(r);
    if (r != nullptr && (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_EMPTY_QUERY)) {
      return std::nullopt;
    }
    // The primary message alone ("canceling statement due to statement timeout"), without the
    // "ERROR:  " prefix and the DETAIL/HINT lines.
    const char* primary = r != nullptr ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = primary != nullptr ? trimmed(primary)
                          : r != nullptr     ? trimmed(PQresultErrorMessage(r))
                                             : std::string();
    if (message.empty()) message = trimmed(PQerrorMessage(conn_.get()));
    if (message.empty()) message = std::string("unexpected result ") + PQresStatus(st);
    return message;
  }

 private:
  // "host:port/db" as libpq resolved it (defaults included); never the password.
  std::string endpoint(const ConnTarget& target) const {
    const char* host = PQhost(conn_.get());
    const char* port = PQport(conn_.get());
    const char* db = PQdb(conn_.get());
    std::string h = host != nullptr && host[0] != '\0' ? host : target.host;
    std::string p = port != nullptr && port[0] != '\0' ? port : target.port;
    std::string d = db != nullptr && db[0] != '\0' ? db : target.dbname;
    std::string out = h.empty() ? "localhost" : h;
    out += ":" + (p.empty() ? std::string("5432") : p);
    if (!d.empty()) out += "/" + d;
    return out;
  }

  Conn conn_;
  std::string where_;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double minimum(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }

// Only statements that read or write rows are run; DDL, utility and transaction control never.
bool runnable(const AdvisedQuery& q) {
  return q.usable_sample() != nullptr &&
         (q.kind == sql::StatementKind::Read || q.kind == sql::StatementKind::Write);
}

std::string short_id(const AdvisedQuery& q) {
  return q.id.size() > 8 ? q.id.substr(0, 8) + "..." : q.id;
}

std::string times_text(double factor) {
  char buf[32];
  std::snprintf(buf, sizeof buf, factor >= 10 ? "%.1fx" : "%.2fx", factor);
  return buf;
}

std::string queries_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " query" : " queries"); }

std::string qualified(const IndexDefinition& d) { return quote_identifier(d.schema) + "." + quote_identifier(d.table); }

class Validator {
 public:
  Validator(Session& session, const std::vector<AdvisedQuery>& queries, const ValidationOptions& options)
      : s_(session), queries_(queries), opt_(options) {
    timeout_setting_ = "SET statement_timeout = " + std::to_string(std::max(0, opt_.statement_timeout_ms));
    warmup_ = std::max(0, opt_.warmup_runs);
    timed_ = std::max(1, opt_.timed_runs);
  }

  IndexValidation validate(const ChosenIndex& chosen) {
    IndexValidation v;
    v.index = chosen.index;
    const IndexDefinition& idx = chosen.index;

    std::set<std::size_t> helped;
    for (const auto& h : chosen.helps) helped.insert(h.query);

    // The queries on this index's table that can be run.
    std::vector<std::size_t> measurable;
    for (std::size_t i = 0; i < queries_.size(); ++i) {
      // references_table() (shared with selection) counts a query with no tables listed as
      // referencing every table; such a query is run only for the indexes chosen for it.
      const AdvisedQuery& q = queries_[i];
      if (runnable(q) && references_table(q, idx) && (!q.tables.empty() || helped.count(i) > 0)) {
        measurable.push_back(i);
      }
    }

    // Never touch a relation that is not ours: with IF NOT EXISTS the build would be a no-op and
    // the cleanup would drop someone else's index.
    if (relation_exists(idx)) {
      v.error = "a relation named " + quote_identifier(idx.name()) + " already exists in schema " +
                quote_identifier(idx.schema);
      v.verdict = "rejected: " + v.error;
      return v;
    }

    // Fresh statistics before the first measurement of a table, so that the index is the only
    // thing that changes between before and after (the build is followed by ANALYZE too).
    const std::string table_key = idx.schema + "." + idx.table;
    if (analyzed_.insert(table_key).second) (void)s_.exec("ANALYZE " + qualified(idx));

    std::vector<std::pair<std::size_t, std::string>> could_not_run;
    std::set<std::size_t> timed_out;
    for (std::size_t q : measurable) {
      QueryMeasurement m;
      m.query = q;
      m.helped_by_choice = helped.count(q) > 0;
      bool timeout = false;
      if (auto err = measure(queries_[q], m.before_runs, timeout)) {
        could_not_run.emplace_back(q, *err);
        continue;
      }
      if (timeout) timed_out.insert(q);
      m.before_ms = median(m.before_runs);
      v.measurements.push_back(std::move(m));
    }

    // Build (CONCURRENTLY: outside any transaction, no write lock on the table). The statement
    // timeout bounds the sample runs, not the build: the index of a big table would never validate.
    (void)s_.exec("SET statement_timeout = 0");
    const auto build_start = Clock::now();
    const auto build_err = s_.exec(idx.create_statement(true));
    v.build_ms = ms_since(build_start);
    if (!build_err) (void)s_.exec("ANALYZE " + qualified(idx));
    const auto timeout_err = s_.exec(timeout_setting_);
    if (build_err) {
      v.error = "build failed: " + *build_err;
      v.verdict = "rejected: build failed: " + first_line(*build_err);
      v.measurements.clear();
      // A failed CONCURRENTLY build leaves an INVALID index behind.
      if (relation_exists(idx)) {
        if (auto drop_err = s_.exec(idx.drop_statement())) {
          v.error += "; dropping the invalid index failed: " + *drop_err;
          leftovers_.push_back(idx);
        } else {
          v.error += " (the invalid index it left was dropped)";
        }
      }
      return v;
    }
    built_.push_back(idx);
    v.actual_size_bytes = index_size(idx);
    if (timeout_err) {
      v.error = "cannot set statement_timeout again: " + *timeout_err;
      v.verdict = "rejected: " + first_line(v.error);
      v.measurements.clear();
    }

    // Same runs with the index in place.
    for (auto& m : v.measurements) {
      if (!v.error.empty()) break;
      bool timeout = false;
      if (auto err = measure(queries_[m.query], m.after_runs, timeout)) {
        v.error = "q " + queries_[m.query].id + " failed with the index: " + *err;
        v.verdict = "rejected: q " + short_id(queries_[m.query]) + " failed with the index: " + first_line(*err);
        m.after_runs.clear();
        break;
      }
      if (timeout) timed_out.insert(m.query);
      m.after_ms = median(m.after_runs);
      m.plan_uses_index = plan_uses(queries_[m.query], idx);
    }
    if (v.error.empty()) decide(chosen, v);
    if (!timed_out.empty()) {
      v.verdict += "; " + queries_text(timed_out.size()) + " hit the " + std::to_string(opt_.statement_timeout_ms) +
                   " ms statement timeout (" + (timed_out.size() == 1 ? "its time is a" : "their times are") +
                   " lower bound" + (timed_out.size() == 1 ? "" : "s") + ")";
    }
    if (!could_not_run.empty()) {
      const auto& [q, err] = could_not_run.front();
      v.verdict += "; could not run " + queries_text(could_not_run.size()) + " (q " + short_id(queries_[q]) +
                   ": " + first_line(err) + ")";
    }

    if (!v.kept) {
      if (auto drop_err = s_.exec(idx.drop_statement())) {
        v.error += std::string(v.error.empty() ? "" : "; ") + "drop failed: " + *drop_err;
        leftovers_.push_back(idx);
      }
      built_.pop_back();
    }
    return v;
  }

  // Indexes built here and still in place (kept ones).
  const std::vector<IndexDefinition>& built() const { return built_; }
  // Rejected or invalid indexes whose drop failed: tried again at the end.
  const std::vector<IndexDefinition>& leftovers() const { return leftovers_; }

 private:
  // warmup_ runs, then timed_ runs into runs; the first error stops.
  // A run cancelled by statement_timeout is not an error: it counts as one run as long as the
  // timeout (a lower bound) and ends the measurement, with timed_out set.
  std::optional<std::string> measure(const AdvisedQuery& q, std::vector<double>& runs, bool& timed_out) {
    runs.clear();
    timed_out = false;
    for (int i = 0; i < warmup_ + timed_; ++i) {
      double ms = 0;
      bool cancelled = false;
      if (auto err = run_once(q, ms, nullptr, &cancelled)) {
        if (cancelled && opt_.statement_timeout_ms > 0) {
          timed_out = true;
          runs.assign(1, std::max(ms, static_cast<double>(opt_.statement_timeout_ms)));
          return std::nullopt;
        }
        runs.clear();
        return err;
      }
      if (i >= warmup_) runs.push_back(ms);
    }
    return std::nullopt;
  }

  // One run inside a transaction that is rolled back (READ ONLY for reads, so a read that would
  // write fails instead). The extended protocol keeps it to exactly one statement, even for a
  // sample without parameters. Only the statement is timed.
  // With explain set, runs EXPLAIN (FORMAT JSON) of the sample instead and puts the plan there.
  // cancelled (when given) tells whether the statement was cancelled (SQLSTATE 57014).
  std::optional<std::string> run_once(const AdvisedQuery& q, double& ms, std::string* explain = nullptr,
                                      bool* cancelled = nullptr) {
    const workload::QuerySample& sample = *q.usable_sample();
    if (auto err = s_.exec(q.is_write() ? "BEGIN" : "BEGIN READ ONLY")) return "BEGIN failed: " + *err;
    std::vector<const char*> params;
    params.reserve(sample.params.size());
    for (const auto& p : sample.params) params.push_back(p ? p->c_str() : nullptr);

    const auto start = Clock::now();
    Result r = s_.exec_params(explain != nullptr ? "EXPLAIN (FORMAT JSON) " + sample.query : sample.query, params);
    if (explain != nullptr && PQresultStatus(r.get()) == PGRES_TUPLES_OK) {
      explain->clear();
      for (int row = 0; row < PQntuples(r.get()); ++row) *explain += PQgetvalue(r.get(), row, 0);
    }
    std::optional<std::string> err;
    const ExecStatusType st = PQresultStatus(r.get());
    if (r && st == PGRES_COPY_OUT) {
      char* buf = nullptr;
      while (PQgetCopyData(s_.get(), &buf, 0) > 0) PQfreemem(buf);
      r.reset(PQgetResult(s_.get()));
    } else if (r && st == PGRES_COPY_IN) {
      PQputCopyEnd(s_.get(), "COPY FROM STDIN is not run by index validation");
      r.reset(PQgetResult(s_.get()));
    }
    ms = ms_since(start);
    err = s_.error_of(r.get());
    if (err && cancelled != nullptr && r) {
      const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
      *cancelled = state != nullptr && std::string_view(state) == "57014";
    }
    r.reset();
    while (PGresult* rest = PQgetResult(s_.get())) PQclear(rest);

    auto rollback_err = s_.exec("ROLLBACK");
    if (!err && rollback_err) err = "ROLLBACK failed: " + *rollback_err;
    return err;
  }

  // Whether the query's plan with the index in place uses it (true when EXPLAIN fails: the
  // clock decides then).
  bool plan_uses(const AdvisedQuery& q, const IndexDefinition& idx) {
    std::string plan;
    double ms = 0;
    if (run_once(q, ms, &plan) || plan.empty()) return true;
    std::string needle = "\"Index Name\": \"";
    for (char c : idx.name()) {
      if (c == '"' || c == '\\') needle += '\\';
      needle += c;
    }
    needle += '"';
    return plan.find(needle) != std::string::npos;
  }

  bool relation_exists(const IndexDefinition& idx) {
    Result r = s_.exec_params(
        "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relname = $2",
        {idx.schema.c_str(), idx.name().c_str()});
    return !s_.error_of(r.get()) && PQntuples(r.get()) > 0;
  }

  int64_t index_size(const IndexDefinition& idx) {
    const std::string name = idx.name();
    Result r = s_.exec_params(
        "SELECT pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'i'",
        {idx.schema.c_str(), name.c_str()});
    if (s_.error_of(r.get()) || PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0)) return 0;
    return std::strtoll(PQgetvalue(r.get(), 0, 0), nullptr, 10);
  }

  // A read whose plan does not use the index runs the plan it ran before: its clock difference
  // is noise. Writes maintain the index whatever their plan.
  bool affected(const QueryMeasurement& m) const { return m.plan_uses_index || queries_[m.query].is_write(); }

  // A read the index made slower: a plan regression. Writes are slower by design (they maintain
  // the index); their measured extra time is charged against the gain in decide().
  bool slower(const QueryMeasurement& m) const {
    if (!affected(m) || queries_[m.query].is_write()) return false;
    const double limit = 1.0 + opt_.max_regression;
    return m.after_ms > m.before_ms * limit && minimum(m.after_runs) > minimum(m.before_runs) * limit &&
           m.after_ms - m.before_ms > kNoiseFloorMs;
  }

  void decide(const ChosenIndex& chosen, IndexValidation& v) const {
    // Any measured read slower beyond max_regression rejects the index.
    const QueryMeasurement* worst = nullptr;
    std::size_t n_slower = 0;
    for (const auto& m : v.measurements) {
      if (!slower(m)) continue;
      ++n_slower;
      if (worst == nullptr || m.after_ms / m.before_ms > worst->after_ms / worst->before_ms) worst = &m;
    }
    if (worst != nullptr) {
      const int pct = static_cast<int>((worst->after_ms / worst->before_ms - 1.0) * 100.0 + 0.5);
      v.kept = false;
      v.verdict = "rejected: q " + short_id(queries_[worst->query]) + " " + std::to_string(pct) + "% slower";
      if (n_slower > 1) v.verdict += " (and " + std::to_string(n_slower - 1) + " more slower)";
      return;
    }

    // The gain is judged on the queries the index was chosen for (all measured ones when the
    // selection named none).
    std::vector<const QueryMeasurement*> basis;
    for (const auto& m : v.measurements) {
      if (m.helped_by_choice || chosen.helps.empty()) basis.push_back(&m);
    }
    // The writes on the table that the index was not chosen for: their measured extra time (the
    // upkeep), calls-weighted, counted when the median and the fastest run both went up.
    double upkeep = 0, upkeep_min = 0, write_calls = 0;
    for (const auto& m : v.measurements) {
      if (!queries_[m.query].is_write() || std::find(basis.begin(), basis.end(), &m) != basis.end()) continue;
      const double w = static_cast<double>(std::max<uint64_t>(1, queries_[m.query].calls));
      write_calls += w;
      const double d = m.after_ms - m.before_ms;
      const double d_min = minimum(m.after_runs) - minimum(m.before_runs);
      if (d > 0 && d_min > 0) {
        upkeep += w * d;
        upkeep_min += w * d_min;
      }
    }
    auto upkeep_text = [&](double reads_ms) {
      if (write_calls <= 0) return std::string();
      char buf[128];
      if (reads_ms > 0) {
        std::snprintf(buf, sizeof buf, "; writes +%.2f ms per call (upkeep: %.1f%% of the time it saves)",
                      upkeep / write_calls, 100.0 * upkeep / reads_ms);
      } else {
        std::snprintf(buf, sizeof buf, "; writes +%.2f ms per call (upkeep)", upkeep / write_calls);
      }
      return std::string(buf);
    };
    if (basis.empty()) {
      v.kept = true;
      v.verdict = "kept on estimate: no sample to measure";
      if (!v.measurements.empty()) {
        v.verdict += " for the queries it was chosen for (no read on its table slower)" + upkeep_text(0);
      }
      return;
    }
    if (std::none_of(basis.begin(), basis.end(), [](const QueryMeasurement* m) { return m->plan_uses_index; })) {
      v.kept = false;
      v.verdict = "rejected: not used by the plan of " +
                  std::string(basis.size() == 1 ? "the query" : "any of the " + queries_text(basis.size())) +
                  " it was chosen for";
      return;
    }
    // Calls-weighted time, from the medians and from the fastest runs; an unaffected query
    // counts as unchanged. The upkeep goes to the after side.
    double before = 0, after = 0, before_min = 0, after_min = 0;
    for (const auto* m : basis) {
      const double w = static_cast<double>(std::max<uint64_t>(1, queries_[m->query].calls));
      const bool changed = affected(*m);
      before += w * m->before_ms;
      after += w * (changed ? m->after_ms : m->before_ms);
      before_min += w * minimum(m->before_runs);
      after_min += w * (changed ? minimum(m->after_runs) : minimum(m->before_runs));
    }
    const double gain = before > 0 ? 1.0 - (after + upkeep) / before : 0.0;
    const double gain_min = before_min > 0 ? 1.0 - (after_min + upkeep_min) / before_min : 0.0;
    const double gain_without_upkeep = before > 0 ? 1.0 - after / before : 0.0;
    const double gain_min_without_upkeep = before_min > 0 ? 1.0 - after_min / before_min : 0.0;
    const double factor = before / std::max(after, 1e-6);
    const std::string writes_text = upkeep_text(before - after);
    if (gain >= opt_.min_gain && gain_min >= opt_.min_gain) {
      v.kept = true;
      v.verdict = "kept: " + times_text(factor) + " faster for " + queries_text(basis.size()) + writes_text;
    } else if (upkeep > 0 && gain_without_upkeep >= opt_.min_gain && gain_min_without_upkeep >= opt_.min_gain) {
      v.kept = false;
      v.verdict = "rejected: " + times_text(factor) + " faster for " + queries_text(basis.size()) +
                  ", but the writes' upkeep outweighs it" + writes_text;
    } else {
      v.kept = false;
      char pct[16];
      std::snprintf(pct, sizeof pct, "%g%%", opt_.min_gain * 100.0);
      v.verdict = "rejected: " + (gain > 0 ? times_text(factor) + " faster" : std::string("no gain")) + " for " +
                  queries_text(basis.size()) + ", under the " + pct + " needed";
    }
  }

  Session& s_;
  const std::vector<AdvisedQuery>& queries_;
  const ValidationOptions& opt_;
  std::string timeout_setting_;
  int warmup_ = 0;
  int timed_ = 1;
  std::set<std::string> analyzed_;
  std::vector<IndexDefinition> built_;
  std::vector<IndexDefinition> leftovers_;
};

}  // namespace

ValidationReport validate_indexes(const std::string& conninfo_or_url, const std::vector<AdvisedQuery>& queries,
                                  const Selection& selection, const ValidationOptions& options) {
  const auto start = Clock::now();
  Session session(conninfo_or_url);
  if (auto err = session.exec("SET statement_timeout = " + std::to_string(std::max(0, options.statement_timeout_ms)))) {
    throw std::runtime_error("index validation: cannot set statement_timeout on " + session.where() + ": " + *err);
  }

  ValidationReport report;
  Validator validator(session, queries, options);
  for (const auto& chosen : selection.chosen) report.indexes.push_back(validator.validate(chosen));

  // Leave the database as it was found: drop what was built here (the kept ones unless asked to
  // keep them; any rejected one whose drop failed before gets a second try).
  std::vector<IndexDefinition> to_drop = validator.leftovers();
  if (!options.keep_indexes) {
    to_drop.insert(to_drop.end(), validator.built().begin(), validator.built().end());
  }
  for (const auto& idx : to_drop) {
    auto err = session.exec(idx.drop_statement());
    for (auto& v : report.indexes) {
      if (v.index != idx) continue;
      if (err) {
        v.error += std::string(v.error.empty() ? "" : "; ") + "drop at the end failed: " + *err;
      }
      break;
    }
  }
  report.wall_ms = ms_since(start);
  return report;
}

}  // namespace sluice::optimizer
