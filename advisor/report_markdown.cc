#include "advisor/report_markdown.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "advisor/report_format.h"

namespace sluice::advisor {
namespace {

using report_format::fmt_bytes;
using report_format::one_line;
using report_format::truncate;
using report_format::fmt_cost;
using report_format::fmt_duration;
using report_format::fmt_fixed;
using report_format::fmt_int;
using report_format::fmt_ms;
using report_format::fmt_saving;
using report_format::fmt_uint;
using report_format::fmt_utc_minutes;

// A pull request comment should stay short: long lists are cut with a note.
constexpr size_t kMaxGainsPerSuggestion = 15;
constexpr size_t kMaxDrops = 30;
constexpr size_t kMaxRejected = 20;
constexpr size_t kMaxTextChars = 100;



// Plain text (paragraphs and table cells): one line, Markdown and HTML punctuation backslash-escaped,
// so a '|' never splits a table cell and '<' never opens a tag.
std::string md(std::string_view s) {
  std::string out;
  for (char c : one_line(s)) {
    if (std::string_view("\\`*_[]<>|#").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

size_t longest_backtick_run(std::string_view s) {
  size_t longest = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

// Inline code, safe inside a table cell: '|' is escaped (GFM reads "\|" in a cell's code span as
// '|'), and the fence is longer than any backtick run in the text.
std::string code(std::string_view s) {
  std::string text;
  for (char c : one_line(s)) {
    if (c == '|') text += '\\';
    text += c;
  }
  if (text.empty()) return "";
  const std::string fence(longest_backtick_run(text) + 1, '`');
  const bool pad = text.front() == '`' || text.back() == '`';
  return fence + (pad ? " " : "") + text + (pad ? " " : "") + fence;
}

std::string sql_block(std::string_view statement) {
  const std::string fence(std::max<size_t>(3, longest_backtick_run(statement) + 1), '`');
  std::string body(statement);
  while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
  return fence + "sql\n" + body + "\n" + fence + "\n";
}

std::string workload_window(const AdvisorReport& r) {
  if (r.workload_since_ms <= 0 && r.workload_until_ms <= 0) return "everything recorded";
  return (r.workload_since_ms > 0 ? fmt_utc_minutes(r.workload_since_ms) : "the start") + " \u2192 " +
         (r.workload_until_ms > 0 ? fmt_utc_minutes(r.workload_until_ms) : "now");
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

void render_summary(std::string& out, const AdvisorReport& r) {
  out += "## Sluice index advice\n\n";
  out += "Run " + code(r.run_id) + ", generated " + fmt_utc_minutes(r.generated_at_ms) + " against " + code(r.target);
  if (r.database_bytes > 0) out += " (" + fmt_bytes(r.database_bytes) + ")";
  out += ". Workload: " + workload_window(r) + ". Mode: **" + md(r.mode) + "**.\n\n";
  out += "- **Queries advised:** " + fmt_uint(r.queries_advised) + " of " + fmt_uint(r.queries_seen) + " seen, " +
         fmt_uint(r.total_calls) + " calls\n";
  out += "- **Suggestions:** " + fmt_uint(r.suggestions.size()) + " to create, " + fmt_uint(r.drops.size()) +
         " to drop\n";
  out += "- **Estimated workload cost:** " + fmt_cost(r.workload_cost_before) + " \u2192 " +
         fmt_cost(r.workload_cost_after) + " (" + fmt_saving(r.workload_cost_before, r.workload_cost_after) +
         " saved)\n";
  out += "- **Index budget:** " + fmt_bytes(r.used_bytes) + " used of " + fmt_bytes(r.budget_bytes) + "\n";
  out += "- **What-if calls:** " + fmt_uint(r.whatif_calls) + " (" + fmt_uint(r.whatif_cache_hits) +
         " cache hits), wall time " + fmt_duration(r.wall_ms) + "\n";
  out += std::string("- **Validated by real execution:** ") + (r.validated ? "yes" : "no") + "\n\n";
  if (!r.warnings.empty()) {
    out += "> [!WARNING]\n";
    for (const auto& w : r.warnings) out += "> - " + md(w) + "\n";
    out += "\n";
  }
}

void render_validation(std::string& out, const ValidationEvidence& v) {
  if (!v.ran) {
    out += "Validation: not run" + (v.error.empty() ? std::string(".") : ": " + md(v.error)) + "\n\n";
    return;
  }
  out += "Validation: **" + md(v.verdict.empty() ? "n/a" : v.verdict) + "** (" + (v.kept ? "kept" : "not kept") +
         "), built in " + fmt_duration(v.build_ms) + ", actual size " + fmt_bytes(v.actual_size_bytes);
  if (!v.error.empty()) out += "; error: " + md(v.error);
  out += ".\n";
  for (const auto& run : v.runs) {
    out += "- " + code(run.query_id) + ": median " + fmt_ms(run.before_ms) + " \u2192 " + fmt_ms(run.after_ms) + " (" +
           std::to_string(run.before_runs_ms.size()) + " + " + std::to_string(run.after_runs_ms.size()) + " runs)\n";
  }
  out += "\n";
}

void render_suggestion(std::string& out, const Suggestion& s, size_t index,
                       const std::map<std::string, const ReportQuery*>& by_id) {
  out += "### " + std::to_string(index + 1) + ". " + md(s.table) + " (" + md(join(s.columns, ", ")) + ")";
  if (!s.id.empty()) out += " \u00b7 " + code(s.id);
  out += " \u00b7 " + md(s.status) + "\n\n";
  out += sql_block(s.create_statement) + "\n";
  out += "Estimated size " + fmt_bytes(s.size_bytes) + ", benefit " + fmt_cost(s.benefit) +
         " planner cost, write overhead " + fmt_cost(s.maintenance_cost) + " (" + fmt_fixed(s.write_rows, 0) +
         " rows written).";
  if (!s.replaces.empty()) out += " Replaces " + code(s.replaces) + ".";
  out += "\n";
  if (!s.reason.empty()) out += "\n" + md(s.reason) + "\n";
  out += "\n";

  if (!s.gains.empty()) {
    bool measured = false;
    for (const auto& g : s.gains) measured = measured || g.measured_before_ms || g.measured_after_ms;
    out += "| Query | Text | Calls | Cost before | Cost after | Saved |";
    out += measured ? " Measured before | Measured after |\n" : "\n";
    out += "|---|---|--:|--:|--:|--:|";
    out += measured ? "--:|--:|\n" : "\n";
    const size_t shown = std::min(s.gains.size(), kMaxGainsPerSuggestion);
    for (size_t i = 0; i < shown; ++i) {
      const QueryGain& g = s.gains[i];
      const auto it = by_id.find(g.query_id);
      const ReportQuery* q = it != by_id.end() ? it->second : nullptr;
      out += "| " + code(g.query_id) + " | " + (q ? code(truncate(q->text, kMaxTextChars)) : "") + " | " +
             (q ? fmt_uint(q->calls) : "\u2014") + " | " + fmt_cost(g.cost_before) + " | " + fmt_cost(g.cost_after) +
             " | " + fmt_saving(g.cost_before, g.cost_after) + " |";
      if (measured) out += " " + fmt_ms(g.measured_before_ms) + " | " + fmt_ms(g.measured_after_ms) + " |";
      out += "\n";
    }
    if (s.gains.size() > shown) {
      out += "\n_\u2026and " + std::to_string(s.gains.size() - shown) + " more queries (see report.html)._\n";
    }
    out += "\n";
  }
  render_validation(out, s.validation);
}

void render_drops(std::string& out, const AdvisorReport& r) {
  if (r.drops.empty()) return;
  out += "### Indexes to drop\n\n";
  out += "| Table | Index | Size | Scans | Reason | Covered by | Explanation |\n";
  out += "|---|---|--:|--:|---|---|---|\n";
  const size_t shown = std::min(r.drops.size(), kMaxDrops);
  for (size_t i = 0; i < shown; ++i) {
    const DropSuggestion& d = r.drops[i];
    out += "| " + md(d.table) + " | " + code(d.index) + " | " + fmt_bytes(d.size_bytes) + " | " + fmt_int(d.idx_scan) +
           " | " + md(d.reason) + " | " + (d.covered_by.empty() ? "\u2014" : code(d.covered_by)) + " | " +
           md(d.explanation) + " |\n";
  }
  if (r.drops.size() > shown) out += "\n_\u2026and " + std::to_string(r.drops.size() - shown) + " more._\n";
  out += "\n";
  std::string statements;
  for (size_t i = 0; i < shown; ++i) {
    if (!r.drops[i].drop_statement.empty()) statements += r.drops[i].drop_statement + "\n";
  }
  if (!statements.empty()) out += sql_block(statements) + "\n";
}

void render_rejected(std::string& out, const AdvisorReport& r) {
  if (r.rejected.empty()) return;
  out += "<details><summary>Considered and rejected (" + std::to_string(r.rejected.size()) + ")</summary>\n\n";
  const size_t shown = std::min(r.rejected.size(), kMaxRejected);
  for (size_t i = 0; i < shown; ++i) out += "- " + code(r.rejected[i].index) + ": " + md(r.rejected[i].reason) + "\n";
  if (r.rejected.size() > shown) out += "- \u2026and " + std::to_string(r.rejected.size() - shown) + " more\n";
  out += "\n</details>\n\n";
}

}  // namespace

std::string render_report_markdown(const AdvisorReport& report) {
  std::map<std::string, const ReportQuery*> by_id;
  for (const auto& q : report.queries) by_id.emplace(q.id, &q);

  std::string out;
  render_summary(out, report);
  if (report.suggestions.empty()) {
    out += "No index suggestions: nothing would pay for itself within the budget.\n\n";
  }
  for (size_t i = 0; i < report.suggestions.size(); ++i) render_suggestion(out, report.suggestions[i], i, by_id);
  render_drops(out, report);
  render_rejected(out, report);
  out += "<sub>sluice " + md(report.sluice_version) + " \u00b7 report format " + std::to_string(report.format_version) +
         "</sub>\n";
  return out;
}

}  // namespace sluice::advisor
