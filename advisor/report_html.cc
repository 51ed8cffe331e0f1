#include "advisor/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
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
using report_format::fmt_utc_seconds;

// ---------------------------------------------------------------------------------------------
// Text and numbers

// HTML-escapes text for element content and attribute values. The ':' of "://" is written as a
// character reference too: the reader sees the same URL (a proxy, a warning), while the file
// itself never holds a URL, so "no http:// or https:// in report.html" is a plain grep.
std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == ':' && s.substr(i + 1, 2) == "//") {
      out += "&#58;";
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}



// "88.3% faster" or "1.6% slower" for a measured change.
std::string fmt_speed_change(double before, double after) {
  if (!std::isfinite(before) || !std::isfinite(after) || before <= 0) return "n/a";
  const double change = (before - after) / before * 100;
  return change >= 0 ? fmt_fixed(change, 1) + "% faster" : fmt_fixed(-change, 1) + "% slower";
}

std::string fmt_span(int64_t ms) {
  if (ms <= 0) return "";
  const int64_t minutes = ms / 60'000;
  if (minutes < 1) return std::to_string(ms / 1000) + " s";
  if (minutes < 60) return std::to_string(minutes) + " min";
  if (minutes < 48 * 60) return std::to_string(minutes / 60) + " h " + std::to_string(minutes % 60) + " min";
  return fmt_int(minutes / (24 * 60)) + " d " + std::to_string(minutes / 60 % 24) + " h";
}

std::string workload_window(const AdvisorReport& r) {
  if (r.workload_since_ms <= 0 && r.workload_until_ms <= 0) return "everything recorded";
  std::string out = (r.workload_since_ms > 0 ? fmt_utc_seconds(r.workload_since_ms) : "the start") + " \u2192 " +
                    (r.workload_until_ms > 0 ? fmt_utc_seconds(r.workload_until_ms) : "now");
  if (r.workload_since_ms > 0 && r.workload_until_ms > r.workload_since_ms) {
    out += " (" + fmt_span(r.workload_until_ms - r.workload_since_ms) + ")";
  }
  return out;
}

std::string mode_text(const std::string& mode) {
  if (mode == "advise") return "advise (report only)";
  if (mode == "supervised") return "supervised (actions wait for approval)";
  if (mode == "autonomous") return "autonomous (low-risk actions applied)";
  return mode;
}

// A class name derived from data: lower-case letters, digits and '-' only.
std::string css_token(std::string_view s) {
  std::string out;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out += c;
    else if (c >= 'A' && c <= 'Z') out += char(c - 'A' + 'a');
    else out += '-';
  }
  return out;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// An axis label for 10^d: "0.01", "1", "1,000", "1e+09".
std::string fmt_decade(int d) {
  if (d < -6 || d > 15) return "1e" + std::string(d < 0 ? "-" : "+") + std::to_string(std::abs(d));
  return fmt_fixed(std::pow(10.0, d), d < 0 ? -d : 0);
}

bool positive(double v) { return std::isfinite(v) && v > 0; }

// ---------------------------------------------------------------------------------------------
// Charts (inline SVG)

constexpr int kChartWidth = 960;

// Top queries by total time: one horizontal bar each, label on the left, value on the right.
std::string top_queries_chart(const std::vector<const ReportQuery*>& top) {
  constexpr int bar_x = 400, bar_max = 430, row = 26, bar_h = 18, pad = 8;
  double max_total = 0;
  for (const auto* q : top) {
    if (positive(q->total_ms)) max_total = std::max(max_total, q->total_ms);
  }
  const int height = pad * 2 + row * int(top.size());
  std::string s;
  s += "<svg class=\"chart top-queries\" role=\"img\" width=\"100%\" viewBox=\"0 0 " +
       std::to_string(kChartWidth) + " " + std::to_string(height) + "\"" +
       " aria-label=\"Top queries by total time\">\n";
  for (size_t i = 0; i < top.size(); ++i) {
    const ReportQuery& q = *top[i];
    const int y = pad + row * int(i);
    const double w = max_total > 0 && positive(q.total_ms) ? std::max(1.0, q.total_ms / max_total * bar_max) : 0;
    s += "<g class=\"bar-row\"><title>" + esc(q.text) + "\n" + esc(fmt_ms(q.total_ms)) + " total, " +
         fmt_uint(q.calls) + " calls, mean " + esc(fmt_ms(q.mean_ms)) + ", p99 " + esc(fmt_ms(q.p99_ms)) +
         " (query " + esc(q.id) + ")</title>";
    s += "<text class=\"label\" x=\"0\" y=\"" + std::to_string(y + 13) + "\">" + esc(truncate(q.text, 52)) + "</text>";
    s += "<rect class=\"bar\" x=\"" + std::to_string(bar_x) + "\" y=\"" + std::to_string(y) + "\" width=\"" + num(w) +
         "\" height=\"" + std::to_string(bar_h) + "\" rx=\"2\"/>";
    s += "<text class=\"value\" x=\"" + num(bar_x + w + 6) + "\" y=\"" + std::to_string(y + 13) + "\">" +
         esc(fmt_ms(q.total_ms)) + "</text></g>\n";
  }
  s += "</svg>\n";
  return s;
}

struct Scale {
  bool log = false;
  double lo = 0, hi = 1;  // log: decades; linear: 0..max
  double width(double v, double max_w) const {
    if (!positive(v)) return 0;
    const double f = log ? (std::log10(v) - lo) / (hi - lo) : v / hi;
    return std::max(1.0, std::clamp(f, 0.0, 1.0) * max_w);
  }
};

// Log scale when the values span more than 100x, so a 10000 -> 8 gain still shows both bars.
Scale make_scale(const std::vector<double>& values) {
  double mn = 0, mx = 0;
  for (double v : values) {
    if (!positive(v)) continue;
    mn = mn == 0 ? v : std::min(mn, v);
    mx = std::max(mx, v);
  }
  Scale sc;
  if (mx <= 0) return sc;
  if (mx / mn > 100) {
    sc.log = true;
    sc.lo = std::floor(std::log10(mn) - 1e-9);
    sc.hi = std::ceil(std::log10(mx));
    if (sc.hi <= sc.lo) sc.hi = sc.lo + 1;
  } else {
    sc.hi = mx;
  }
  return sc;
}

// Cost before/after per query helped: paired bars.
std::string gains_chart(const Suggestion& s, const std::map<std::string, const ReportQuery*>& by_id) {
  constexpr int bar_x = 310, bar_max = 520, bar_h = 11, row = 30, top = 30, pad = 8;
  std::vector<double> values;
  for (const auto& g : s.gains) {
    values.push_back(g.cost_before);
    values.push_back(g.cost_after);
  }
  const Scale sc = make_scale(values);
  const int height = top + row * int(s.gains.size()) + pad + (sc.log ? 18 : 0);
  std::string out;
  out += "<svg class=\"chart gains\" role=\"img\" width=\"100%\" viewBox=\"0 0 " + std::to_string(kChartWidth) + " " +
         std::to_string(height) + "\" aria-label=\"Estimated cost before and " +
         "after per query\">\n";
  // legend
  out += "<rect class=\"before\" x=\"0\" y=\"4\" width=\"12\" height=\"12\"/><text class=\"legend\" x=\"18\" y=\"14\">"
         "cost before</text><rect class=\"after\" x=\"110\" y=\"4\" width=\"12\" height=\"12\"/>"
         "<text class=\"legend\" x=\"128\" y=\"14\">cost after</text>";
  out += std::string("<text class=\"legend\" x=\"240\" y=\"14\">") +
         (sc.log ? "log scale (values span more than 100\u00d7)" : "linear scale") + "</text>\n";
  const int chart_bottom = top + row * int(s.gains.size());
  if (sc.log) {
    for (int d = int(sc.lo); d <= int(sc.hi); ++d) {
      const double x = bar_x + (d - sc.lo) / (sc.hi - sc.lo) * bar_max;
      out += "<line class=\"grid\" x1=\"" + num(x) + "\" y1=\"" + std::to_string(top - 4) + "\" x2=\"" + num(x) +
             "\" y2=\"" + std::to_string(chart_bottom) + "\"/>";
      out += "<text class=\"tick\" x=\"" + num(x) + "\" y=\"" + std::to_string(chart_bottom + 14) + "\">" +
             esc(fmt_decade(d)) + "</text>";
    }
    out += "\n";
  }
  for (size_t i = 0; i < s.gains.size(); ++i) {
    const QueryGain& g = s.gains[i];
    const auto it = by_id.find(g.query_id);
    const std::string text = it != by_id.end() ? it->second->text : "";
    const int y = top + row * int(i);
    const double wb = sc.width(g.cost_before, bar_max);
    const double wa = sc.width(g.cost_after, bar_max);
    out += "<g class=\"pair\"><title>" + esc(g.query_id) + (text.empty() ? "" : ": " + esc(text)) +
           "\ncost before " + esc(fmt_cost(g.cost_before)) + ", after " + esc(fmt_cost(g.cost_after)) + " (" +
           esc(fmt_saving(g.cost_before, g.cost_after)) + " less)</title>";
    out += "<text class=\"label\" x=\"0\" y=\"" + std::to_string(y + 15) + "\">" +
           esc(truncate(g.query_id + (text.empty() ? "" : "  " + text), 40)) + "</text>";
    out += "<rect class=\"before\" x=\"" + std::to_string(bar_x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
           num(wb) + "\" height=\"" + std::to_string(bar_h) + "\"/>";
    out += "<text class=\"value\" x=\"" + num(bar_x + wb + 5) + "\" y=\"" + std::to_string(y + 9) + "\">" +
           esc(fmt_cost(g.cost_before)) + "</text>";
    out += "<rect class=\"after\" x=\"" + std::to_string(bar_x) + "\" y=\"" + std::to_string(y + bar_h + 1) +
           "\" width=\"" + num(wa) + "\" height=\"" + std::to_string(bar_h) + "\"/>";
    out += "<text class=\"value\" x=\"" + num(bar_x + wa + 5) + "\" y=\"" + std::to_string(y + bar_h + 10) + "\">" +
           esc(fmt_cost(g.cost_after)) + "</text></g>\n";
  }
  out += "</svg>\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sections

const char* kStyle = R"CSS(
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --panel:#f6f8fa; --accent:#0969da;
        --before:#8c959f; --after:#1a7f37; --warn-bg:#fff8c5; --warn-line:#d4a72c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
      overflow-x: auto; white-space: pre-wrap; word-break: break-word; margin: 8px 0; }
.muted { color: var(--muted); }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 12px; margin-top: 20px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: var(--bg); }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.card .v { font-size: 20px; font-weight: 600; overflow-wrap: anywhere; }
.card .s { color: var(--muted); font-size: 12px; }
.warnings { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px; padding: 8px 14px;
            margin-top: 16px; }
.warnings ul { margin: 4px 0; padding-left: 20px; }
.suggestion { border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin: 16px 0; }
.suggestion header { display: flex; justify-content: space-between; align-items: baseline; gap: 12px; }
.sid { color: var(--muted); font-weight: normal; margin-right: 6px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; border: 1px solid var(--line);
         background: var(--panel); white-space: nowrap; }
.status-advised { border-color: #54aeff; background: #ddf4ff; }
.status-approved { border-color: #d4a72c; background: #fff8c5; }
.status-created { border-color: #4ac26b; background: #dafbe1; }
.status-rejected-by-validation { border-color: #ff8182; background: #ffebe9; }
h4 { font-size: 14px; margin: 16px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.q { max-width: 460px; word-break: break-word; }
table.drops td { overflow-wrap: anywhere; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
svg .label { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; fill: var(--fg); }
svg .value, svg .legend, svg .tick { font: 11px system-ui, sans-serif; fill: var(--muted); }
svg .tick { text-anchor: middle; }
svg .bar { fill: var(--accent); }
svg .before { fill: var(--before); }
svg .after { fill: var(--after); }
svg .grid { stroke: var(--line); stroke-width: 1; }
ul.rejected li { margin: 2px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
)CSS";

void card(std::string& out, const std::string& key, const std::string& value, const std::string& sub = "") {
  out += "<div class=\"card\"><div class=\"k\">" + esc(key) + "</div><div class=\"v\">" + esc(value) + "</div>";
  if (!sub.empty()) out += "<div class=\"s\">" + esc(sub) + "</div>";
  out += "</div>\n";
}

void meta_row(std::string& out, const std::string& key, const std::string& value_html) {
  out += "<dt>" + esc(key) + "</dt><dd>" + value_html + "</dd>\n";
}

void render_header(std::string& out, const AdvisorReport& r) {
  out += "<header>\n<h1>Sluice index advice</h1>\n<dl class=\"meta\">\n";
  meta_row(out, "Run", "<span class=\"mono\">" + esc(r.run_id) + "</span>");
  meta_row(out, "Generated", esc(fmt_utc_seconds(r.generated_at_ms)));
  meta_row(out, "Target",
           "<span class=\"mono\">" + esc(r.target) + "</span>" +
               (r.database.empty() ? "" : " (database <span class=\"mono\">" + esc(r.database) + "</span>)"));
  meta_row(out, "Database size", esc(fmt_bytes(r.database_bytes)));
  meta_row(out, "Workload window", esc(workload_window(r)));
  meta_row(out, "Mode", esc(mode_text(r.mode)));
  if (!r.proxies.empty()) {
    std::string sources;
    for (size_t i = 0; i < r.proxies.size(); ++i) {
      sources += (i ? ", " : "") + ("<span class=\"mono\">" + esc(r.proxies[i]) + "</span>");
    }
    meta_row(out, r.proxies.size() == 1 ? "Workload source" : "Workload sources", sources);
  }
  out += "</dl>\n</header>\n";
}

void render_warnings(std::string& out, const AdvisorReport& r) {
  if (r.warnings.empty()) return;
  out += "<section class=\"warnings\" id=\"warnings\"><strong>Warnings</strong>\n<ul>\n";
  for (const auto& w : r.warnings) out += "<li>" + esc(w) + "</li>\n";
  out += "</ul>\n</section>\n";
}

void render_cards(std::string& out, const AdvisorReport& r) {
  out += "<section class=\"cards\" id=\"summary\">\n";
  card(out, "Queries advised", fmt_uint(r.queries_advised), "of " + fmt_uint(r.queries_seen) + " seen");
  card(out, "Calls", fmt_uint(r.total_calls), "in the workload window");
  card(out, "Suggestions", fmt_uint(r.suggestions.size()),
       fmt_uint(r.drops.size()) + (r.drops.size() == 1 ? " index to drop" : " indexes to drop"));
  card(out, "Estimated workload cost", fmt_cost(r.workload_cost_before) + " \u2192 " + fmt_cost(r.workload_cost_after),
       fmt_saving(r.workload_cost_before, r.workload_cost_after) + " saved");
  std::string budget_sub = "of " + fmt_bytes(r.budget_bytes) + " budget";
  if (r.budget_bytes > 0) budget_sub += " (" + fmt_fixed(double(r.used_bytes) / double(r.budget_bytes) * 100, 1) + "%)";
  card(out, "Index budget used", fmt_bytes(r.used_bytes), budget_sub);
  card(out, "What-if calls", fmt_uint(r.whatif_calls), fmt_uint(r.whatif_cache_hits) + " cache hits");
  card(out, "Wall time", fmt_duration(r.wall_ms));
  card(out, "Validated", r.validated ? "yes" : "no",
       r.validated ? "suggestions checked by real execution" : "estimates only (planner costs)");
  out += "</section>\n";
}

void render_top_queries(std::string& out, const AdvisorReport& r) {
  out += "<section id=\"top-queries\">\n<h2>Top queries by total time</h2>\n";
  std::vector<const ReportQuery*> top;
  for (const auto& q : r.queries) top.push_back(&q);
  std::stable_sort(top.begin(), top.end(), [](const ReportQuery* a, const ReportQuery* b) {
    const double ta = std::isfinite(a->total_ms) ? a->total_ms : -1;
    const double tb = std::isfinite(b->total_ms) ? b->total_ms : -1;
    return ta > tb;
  });
  if (top.size() > 10) top.resize(10);
  if (top.empty()) {
    out += "<p class=\"muted\">No queries were recorded in the workload window.</p>\n";
  } else {
    out += top_queries_chart(top);
    if (r.queries.size() > top.size()) {
      out += "<p class=\"muted\">Top " + std::to_string(top.size()) + " of " + fmt_uint(r.queries.size()) +
             " queries considered. Hover a bar for the full text.</p>\n";
    }
  }
  out += "</section>\n";
}

void render_validation(std::string& out, const ValidationEvidence& v) {
  out += "<h4>Validation</h4>\n";
  if (!v.ran) {
    out += "<p class=\"muted\">Not validated by real execution";
    out += v.error.empty() ? "." : (": " + esc(v.error));
    out += "</p>\n";
    return;
  }
  out += "<dl class=\"meta\">\n";
  meta_row(out, "Verdict", esc(v.verdict.empty() ? "n/a" : v.verdict));
  meta_row(out, "Kept", v.kept ? "yes" : "no");
  meta_row(out, "Build time", esc(fmt_duration(v.build_ms)));
  meta_row(out, "Actual size", esc(fmt_bytes(v.actual_size_bytes)));
  if (!v.error.empty()) meta_row(out, "Error", esc(v.error));
  out += "</dl>\n";
  if (v.runs.empty()) return;
  out += "<table class=\"runs\"><thead><tr><th>Query</th><th class=\"n\">Median before</th>"
         "<th class=\"n\">Median after</th><th class=\"n\">Change</th><th>Runs before (ms)</th>"
         "<th>Runs after (ms)</th></tr></thead><tbody>\n";
  auto list = [](const std::vector<double>& runs) {
    std::string s;
    for (size_t i = 0; i < runs.size(); ++i) s += (i ? ", " : "") + fmt_fixed(runs[i], 2);
    return s.empty() ? std::string("\u2014") : s;
  };
  for (const auto& run : v.runs) {
    out += "<tr><td class=\"mono\">" + esc(run.query_id) + "</td><td class=\"n\">" + esc(fmt_ms(run.before_ms)) +
           "</td><td class=\"n\">" + esc(fmt_ms(run.after_ms)) + "</td><td class=\"n\">" +
           esc(fmt_speed_change(run.before_ms, run.after_ms)) + "</td><td class=\"mono\">" +
           esc(list(run.before_runs_ms)) + "</td><td class=\"mono\">" + esc(list(run.after_runs_ms)) + "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

void render_suggestion(std::string& out, const Suggestion& s, size_t index,
                       const std::map<std::string, const ReportQuery*>& by_id) {
  std::string columns;
  for (size_t i = 0; i < s.columns.size(); ++i) columns += (i ? ", " : "") + s.columns[i];
  out += "<article class=\"suggestion\" id=\"suggestion-" + esc(s.id.empty() ? std::to_string(index + 1) : s.id) +
         "\">\n<header><h3><span class=\"sid\">" + esc(s.id) + "</span>" + esc(s.table) + " (" + esc(columns) +
         ")</h3><span class=\"badge status-" + css_token(s.status) + "\">" + esc(s.status) + "</span></header>\n";
  out += "<pre class=\"statement\"><code>" + esc(s.create_statement) + "</code></pre>\n";
  out += "<dl class=\"meta\">\n";
  meta_row(out, "Table", "<span class=\"mono\">" + esc(s.table) + "</span>");
  meta_row(out, "Columns", "<span class=\"mono\">" + esc(columns) + "</span>");
  meta_row(out, "Estimated size", esc(fmt_bytes(s.size_bytes)));
  meta_row(out, "Estimated benefit", esc(fmt_cost(s.benefit)) + " planner cost saved (weighted by calls)");
  meta_row(out, "Write overhead",
           esc(fmt_cost(s.maintenance_cost)) + " planner cost added to writes (" + esc(fmt_fixed(s.write_rows, 0)) +
               " rows written)");
  if (!s.replaces.empty()) meta_row(out, "Replaces", "<span class=\"mono\">" + esc(s.replaces) + "</span>");
  meta_row(out, "Reason", esc(s.reason));
  meta_row(out, "Status", esc(s.status));
  out += "</dl>\n";

  out += "<h4>Queries helped</h4>\n";
  if (s.gains.empty()) {
    out += "<p class=\"muted\">No query gains recorded.</p>\n";
  } else {
    bool measured = false;
    for (const auto& g : s.gains) measured = measured || g.measured_before_ms || g.measured_after_ms;
    out += "<table class=\"gains\"><thead><tr><th>Query</th><th>Text</th><th class=\"n\">Calls</th>"
           "<th class=\"n\">Cost before</th><th class=\"n\">Cost after</th><th class=\"n\">Saved</th>";
    if (measured) out += "<th class=\"n\">Measured before</th><th class=\"n\">Measured after</th>";
    out += "</tr></thead><tbody>\n";
    for (const auto& g : s.gains) {
      const auto it = by_id.find(g.query_id);
      const ReportQuery* q = it != by_id.end() ? it->second : nullptr;
      out += "<tr><td class=\"mono\">" + esc(g.query_id) + "</td>";
      if (q != nullptr) {
        out += "<td class=\"q mono\" title=\"" + esc(q->text) + "\">" + esc(truncate(q->text, 160)) + "</td>";
        out += "<td class=\"n\">" + fmt_uint(q->calls) + "</td>";
      } else {
        out += "<td class=\"q muted\">(not in this report)</td><td class=\"n\">\u2014</td>";
      }
      out += "<td class=\"n\">" + esc(fmt_cost(g.cost_before)) + "</td><td class=\"n\">" + esc(fmt_cost(g.cost_after)) +
             "</td><td class=\"n\">" + esc(fmt_saving(g.cost_before, g.cost_after)) + "</td>";
      if (measured) {
        out += "<td class=\"n\">" + esc(fmt_ms(g.measured_before_ms)) + "</td><td class=\"n\">" +
               esc(fmt_ms(g.measured_after_ms)) + "</td>";
      }
      out += "</tr>\n";
    }
    out += "</tbody></table>\n";
    out += gains_chart(s, by_id);
  }
  render_validation(out, s.validation);
  out += "</article>\n";
}

void render_suggestions(std::string& out, const AdvisorReport& r) {
  std::map<std::string, const ReportQuery*> by_id;
  for (const auto& q : r.queries) by_id.emplace(q.id, &q);
  out += "<section id=\"suggestions\">\n<h2>Suggestions (" + std::to_string(r.suggestions.size()) + ")</h2>\n";
  if (r.suggestions.empty()) {
    out += "<p class=\"muted\">No index would pay for itself within the budget.</p>\n";
  }
  for (size_t i = 0; i < r.suggestions.size(); ++i) render_suggestion(out, r.suggestions[i], i, by_id);
  out += "</section>\n";
}

void render_drops(std::string& out, const AdvisorReport& r) {
  out += "<section id=\"drops\">\n<h2>Indexes to drop (" + std::to_string(r.drops.size()) + ")</h2>\n";
  if (r.drops.empty()) {
    out += "<p class=\"muted\">No unused, duplicate or invalid indexes found.</p>\n</section>\n";
    return;
  }
  out += "<table class=\"drops\"><thead><tr><th>Table</th><th>Index</th><th class=\"n\">Size</th>"
         "<th class=\"n\">Scans</th><th>Reason</th><th>Covered by</th><th>Statement</th><th>Explanation</th>"
         "</tr></thead><tbody>\n";
  for (const auto& d : r.drops) {
    out += "<tr><td class=\"mono\">" + esc(d.table) + "</td><td class=\"mono\">" + esc(d.index) +
           "</td><td class=\"n\">" + esc(fmt_bytes(d.size_bytes)) + "</td><td class=\"n\">" + fmt_int(d.idx_scan) +
           "</td><td>" + esc(d.reason) + "</td><td class=\"mono\">" + esc(d.covered_by.empty() ? "\u2014" : d.covered_by) +
           "</td><td><code>" + esc(d.drop_statement) + "</code></td><td>" + esc(d.explanation) + "</td></tr>\n";
  }
  out += "</tbody></table>\n</section>\n";
}

void render_rejected(std::string& out, const AdvisorReport& r) {
  out += "<section id=\"rejected\">\n<h2>Considered and rejected (" + std::to_string(r.rejected.size()) + ")</h2>\n";
  if (r.rejected.empty()) {
    out += "<p class=\"muted\">Nothing else was considered.</p>\n</section>\n";
    return;
  }
  out += "<ul class=\"rejected\">\n";
  for (const auto& x : r.rejected) {
    out += "<li><code>" + esc(x.index) + "</code> \u2014 " + esc(x.reason) + "</li>\n";
  }
  out += "</ul>\n</section>\n";
}

void render_work(std::string& out, const AdvisorReport& r) {
  out += "<section id=\"work\">\n<h2>How much work it took</h2>\n<dl class=\"meta\">\n";
  meta_row(out, "Queries seen", fmt_uint(r.queries_seen));
  meta_row(out, "Queries advised", fmt_uint(r.queries_advised));
  meta_row(out, "Queries that could not be costed", fmt_uint(r.uncostable_queries));
  meta_row(out, "Index candidates", fmt_uint(r.candidates) + " (" + fmt_uint(r.candidates_covered) +
                                        " covered by an existing index)");
  meta_row(out, "What-if calls", fmt_uint(r.whatif_calls) + " (" + fmt_uint(r.whatif_cache_hits) + " cache hits)");
  meta_row(out, "Wall time", esc(fmt_duration(r.wall_ms)));
  out += "</dl>\n";
  std::vector<const ReportQuery*> uncosted;
  for (const auto& q : r.queries) {
    if (!q.costed) uncosted.push_back(&q);
  }
  if (!uncosted.empty()) {
    out += "<h4>Queries the planner could not cost</h4>\n<ul>\n";
    for (const auto* q : uncosted) {
      out += "<li><code>" + esc(q->id) + "</code> <span class=\"mono\">" + esc(truncate(q->text, 120)) + "</span>" +
             (q->cost_error.empty() ? "" : " \u2014 " + esc(q->cost_error)) + "</li>\n";
    }
    out += "</ul>\n";
  }
  out += "</section>\n";
}

}  // namespace

std::string render_report_html(const AdvisorReport& report) {
  std::string out;
  out.reserve(32 * 1024);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // Self-contained by construction: the page may load nothing, and runs no script.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n";
  out += "<title>Sluice index advice \u2014 " + esc(report.run_id) + "</title>\n";
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n<main>\n";
  render_header(out, report);
  render_warnings(out, report);
  render_cards(out, report);
  render_top_queries(out, report);
  render_suggestions(out, report);
  render_drops(out, report);
  render_rejected(out, report);
  render_work(out, report);
  out += "<footer>Generated by sluice " + esc(report.sluice_version) + " \u00b7 report format " +
         std::to_string(report.format_version) + " \u00b7 run " + esc(report.run_id) + "</footer>\n";
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace sluice::advisor
