#include "schema/lint/live_context.h"

#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "schema/lint/live_tables.h"
#include "schema/lint/pg_live_catalog.h"
#include "schema/lint/workload_refs.h"

#include "schema/lint/mysql_table_sizes.h"

namespace sluice::schema::lint {

namespace {

constexpr std::string_view kLiveRules[] = {"live-lock-queue", "live-long-transaction", "trace-lock", "trace-rewrite",
                                           "trace-not-transactional", "trace-error"};

// Pre-flight for one table: the first finding on it that takes a lock stands for the statement
// that would queue.
void preflight(LintResult& result, PgLiveCatalog& catalog, const LiveThresholds& th) {
  std::set<std::string> done;
  std::optional<std::vector<BlockingSession>> long_tx;
  std::vector<std::pair<std::size_t, Finding>> added;  // inserted after the finding they stand for
  for (std::size_t i = 0; i < result.findings.size(); ++i) {
    const Finding& f = result.findings[i];
    if (f.table.empty() || f.table_is_new || done.count(f.table) != 0) continue;
    LockMode mode = lock_mode_from_text(f.lock);
    if (mode == LockMode::None) continue;
    done.insert(f.table);
    Finding p;
    p.where = f.where;
    p.statement = f.statement;
    p.table = f.table;
    p.lock = f.lock;
    p.blocks = f.blocks;
    p.severity = Severity::Warning;
    p.safe_alternative =
        "Set a short lock_timeout (SET lock_timeout = '2s') so the statement gives up instead of queueing, and run "
        "it when those transactions have ended (or end them).";
    std::vector<BlockingSession> holders = catalog.conflicting_locks(f.table, mode);
    if (!holders.empty()) {
      p.rule = "live-lock-queue";
      p.message = std::to_string(holders.size()) + (holders.size() == 1 ? " session holds" : " sessions hold") +
                  " a lock on " + f.table + " that conflicts with " + f.lock +
                  " right now: the statement would queue behind it and block everything that comes after it on " +
                  f.table;
      for (const BlockingSession& s : holders) p.notes.push_back("holder: " + describe(s));
      added.emplace_back(i, std::move(p));
      continue;
    }
    if (!long_tx) long_tx = catalog.long_transactions(th.long_transaction_seconds);
    if (!long_tx->empty()) {
      p.rule = "live-long-transaction";
      p.message = std::to_string(long_tx->size()) + (long_tx->size() == 1 ? " transaction has" : " transactions have") +
                  " been open for more than " + std::to_string(th.long_transaction_seconds) +
                  " s: if one of them touches " + f.table + ", the " + f.lock +
                  " lock queues behind it and blocks everything behind it (CONCURRENTLY waits for all of them)";
      for (const BlockingSession& s : *long_tx) p.notes.push_back("open transaction: " + describe(s));
      added.emplace_back(i, std::move(p));
    }
  }
  for (auto it = added.rbegin(); it != added.rend(); ++it) {
    result.findings.insert(result.findings.begin() + static_cast<long>(it->first) + 1, std::move(it->second));
  }
}

}  // namespace

bool is_live_rule_id(std::string_view id) {
  for (std::string_view r : kLiveRules) {
    if (r == id) return true;
  }
  return false;
}

void add_live_context(LintResult& result, const LiveOptions& options) {
  const LiveThresholds& th = options.thresholds;
  int64_t now_ms = options.now_ms != 0 ? options.now_ms
                                       : std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count();
  if (options.mysql) {
    if (!options.db_url.empty()) {
      try {
        add_mysql_table_sizes(result, options.db_url, th);
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string("--db: ") + e.what());
      }
    }
    if (!options.workload.empty()) throw std::runtime_error("--workload is for --dialect postgres only");
    return;
  }

  // The tables findings concern, not created in the migration.
  std::map<std::string, LiveTable> tables;
  for (const Finding& f : result.findings) {
    if (f.table.empty() || f.table_is_new) continue;
    tables.emplace(f.table, LiveTable{});
  }
  for (auto& [name, t] : tables) t.name = name;

  std::optional<PgLiveCatalog> catalog;
  if (!options.db_url.empty()) {
    if (options.db_url.rfind("postgres://", 0) != 0 && options.db_url.rfind("postgresql://", 0) != 0) {
      throw LiveContextError("--db must be a postgres:// URL for --dialect postgres");
    }
    catalog.emplace(options.db_url);
    for (auto& [name, t] : tables) t = catalog->table(name);
  }
  if (!options.workload.empty()) {
    Workload w;
    try {
      w = load_workload(options.workload, now_ms, th.workload_days);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("--workload: ") + e.what());
    }
    for (auto& [name, t] : tables) t.calls_per_minute = table_calls_per_minute(w, name, &t.calls);
    add_broken_query_notes(result, w, th.workload_days);
  }
  apply_live_tables(result, tables, th);
  if (catalog) preflight(result, *catalog, th);
}

}  // namespace sluice::schema::lint
