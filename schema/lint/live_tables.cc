#include "schema/lint/live_tables.h"

#include <cstdio>

namespace sluice::schema::lint {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

Severity raise(Severity s) { return s == Severity::Notice ? Severity::Warning : Severity::Error; }
Severity lower(Severity s) { return s == Severity::Error ? Severity::Warning : Severity::Notice; }

}  // namespace

std::string with_thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string size_text(int64_t bytes) {
  char buf[32];
  double b = static_cast<double>(bytes);
  if (b >= 1024.0 * kMiB) std::snprintf(buf, sizeof buf, "%.1f GB", b / (1024.0 * kMiB));
  else if (b >= 10 * kMiB) std::snprintf(buf, sizeof buf, "%.0f MB", b / kMiB);
  else if (b >= kMiB) std::snprintf(buf, sizeof buf, "%.1f MB", b / kMiB);
  else if (b >= 1024) std::snprintf(buf, sizeof buf, "%.0f kB", b / 1024);
  else std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
  return buf;
}

std::string duration_text(double seconds) {
  char buf[32];
  if (seconds < 1) return "under a second";
  if (seconds < 90) std::snprintf(buf, sizeof buf, "about %.0f s", seconds);
  else if (seconds < 5400) std::snprintf(buf, sizeof buf, "about %.0f min", seconds / 60);
  else std::snprintf(buf, sizeof buf, "about %.1f h", seconds / 3600);
  return buf;
}

double estimate_seconds(const Finding& f, const LiveTable& t, const LiveThresholds& th) {
  if (!t.found) return -1;
  if (f.rewrites_table) return static_cast<double>(t.total_bytes) / (static_cast<double>(th.rewrite_mb_per_second) * kMiB);
  if (f.scans_table) return static_cast<double>(t.table_bytes) / (static_cast<double>(th.scan_mb_per_second) * kMiB);
  return -1;
}

bool depends_on_table_size(const Finding& f) {
  if (f.table.empty() || f.table_is_new) return false;
  if (f.rule == "drop-database" || f.rule == "concurrently-in-transaction") return false;
  return !f.lock.empty() || f.rewrites_table || f.scans_table;
}

bool is_large(const LiveTable& t, const LiveThresholds& th) {
  return t.found && (t.rows >= th.large_table_rows || t.total_bytes >= th.large_table_bytes);
}

bool is_small(const LiveTable& t, const LiveThresholds& th) {
  return t.found && t.rows >= 0 && t.rows < th.small_table_rows && t.total_bytes < th.large_table_bytes;
}

bool is_hot(const LiveTable& t, const LiveThresholds& th) {
  return t.calls_per_minute >= 0 && th.hot_table_queries_per_minute > 0 &&
         t.calls_per_minute >= static_cast<double>(th.hot_table_queries_per_minute);
}

Severity adjust_severity(Severity s, const LiveTable& t, const LiveThresholds& th) {
  if (is_large(t, th) || is_hot(t, th)) return raise(s);
  if (is_small(t, th)) return lower(s);
  return s;
}

std::vector<std::string> table_notes(const LiveTable& t, const LiveThresholds& th) {
  std::vector<std::string> notes;
  if (t.found) {
    std::string rows = t.rows < 0 ? "row count unknown" : (t.rows_exact ? "" : "about ") + with_thousands(t.rows) + (t.rows == 1 ? " row" : " rows");
    std::string note = t.name + ": " + rows + ", " + size_text(t.total_bytes);
    if (!t.indexes.empty()) {
      note += " (table " + size_text(t.table_bytes) + "; indexes:";
      std::size_t shown = 0;
      for (const auto& [name, bytes] : t.indexes) {
        if (shown == 4) {
          note += " and " + std::to_string(t.indexes.size() - shown) + " more";
          break;
        }
        note += std::string(shown == 0 ? " " : ", ") + name + " " + size_text(bytes);
        ++shown;
      }
      note += ")";
    }
    if (is_large(t, th)) note += "; a large table";
    else if (is_small(t, th)) note += "; a small table";
    notes.push_back(note);
  }
  if (t.calls_per_minute >= 0) {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", t.calls_per_minute);
    notes.push_back(t.name + ": " + with_thousands(t.calls) + " calls in the workload, " + rate + " queries/min" +
                    (is_hot(t, th) ? " (a hot table)" : ""));
  }
  return notes;
}

void apply_live_tables(LintResult& result, const std::map<std::string, LiveTable>& tables, const LiveThresholds& th) {
  for (Finding& f : result.findings) {
    if (f.table.empty() || f.table_is_new) continue;
    auto it = tables.find(f.table);
    if (it == tables.end()) continue;
    const LiveTable& t = it->second;
    for (std::string& n : table_notes(t, th)) f.notes.push_back(std::move(n));
    double seconds = estimate_seconds(f, t, th);
    if (seconds >= 0) {
      std::string what = f.rewrites_table ? "the rewrite" : "the scan";
      std::string rate = std::to_string(f.rewrites_table ? th.rewrite_mb_per_second : th.scan_mb_per_second) + " MB/s";
      std::string note = "estimated duration of " + what + ": " + duration_text(seconds) + " (at " + rate + ")";
      if (!f.blocks.empty() && f.blocks != "nothing") note += ", with " + f.blocks + " blocked all that time";
      f.notes.push_back(note);
    }
    if (depends_on_table_size(f)) {
      Severity before = f.severity;
      f.severity = adjust_severity(f.severity, t, th);
      if (f.severity != before) {
        std::string why = is_large(t, th) ? "large table" : is_hot(t, th) ? "hot table" : "small table";
        f.notes.push_back(std::string("severity ") + (f.severity > before ? "raised" : "lowered") + " from " +
                          to_string(before) + " (" + why + ")");
      }
    }
  }
}

LockMode lock_mode_from_pg(std::string_view mode) {
  if (mode == "AccessShareLock") return LockMode::AccessShare;
  if (mode == "RowShareLock") return LockMode::RowShare;
  if (mode == "RowExclusiveLock") return LockMode::RowExclusive;
  if (mode == "ShareUpdateExclusiveLock") return LockMode::ShareUpdateExclusive;
  if (mode == "ShareLock") return LockMode::Share;
  if (mode == "ShareRowExclusiveLock") return LockMode::ShareRowExclusive;
  if (mode == "ExclusiveLock") return LockMode::Exclusive;
  if (mode == "AccessExclusiveLock") return LockMode::AccessExclusive;
  return LockMode::None;
}

LockMode lock_mode_from_text(std::string_view text) {
  for (int m = 1; m <= 8; ++m) {
    if (text == to_string(static_cast<LockMode>(m))) return static_cast<LockMode>(m);
  }
  return LockMode::None;
}

bool locks_conflict(LockMode a, LockMode b) {
  // PostgreSQL's table-level lock conflicts: bit m set when the mode conflicts with mode m.
  static constexpr unsigned kConflicts[9] = {
      0,
      1u << 8,                                                   // ACCESS SHARE
      (1u << 7) | (1u << 8),                                     // ROW SHARE
      (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8),             // ROW EXCLUSIVE
      (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8), // SHARE UPDATE EXCLUSIVE
      (1u << 3) | (1u << 4) | (1u << 6) | (1u << 7) | (1u << 8), // SHARE
      (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8),             // SHARE ROW EXCLUSIVE
      (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8), // EXCLUSIVE
      0x1FEu,                                                    // ACCESS EXCLUSIVE: everything
  };
  int ia = static_cast<int>(a), ib = static_cast<int>(b);
  if (ia <= 0 || ib <= 0 || ia > 8 || ib > 8) return false;
  return (kConflicts[ia] & (1u << ib)) != 0;
}

}  // namespace sluice::schema::lint
