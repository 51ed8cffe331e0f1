// The advisor's report files: report.json round trips every field and rejects what this version
// cannot read; report.html escapes query text, loads nothing from outside and draws its charts;
// report.md puts statements in sql blocks and keeps table cells intact.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <string>

#include "advisor/report_html.h"
#include "advisor/report_json.h"
#include "advisor/report_markdown.h"

namespace sluice::advisor {
namespace {

using json = nlohmann::json;

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

ReportQuery query(std::string id, std::string text, uint64_t calls, double total_ms, double before, double after) {
  ReportQuery q;
  q.id = std::move(id);
  q.database = "shop";
  q.text = std::move(text);
  q.sample_text = "SELECT 1 /* sample of " + q.id + " */";
  q.calls = calls;
  q.total_ms = total_ms;
  q.mean_ms = total_ms / double(calls);
  q.p99_ms = q.mean_ms * 3.5;
  q.cost_before = before;
  q.cost_after = after;
  q.costed = true;
  return q;
}

// Every field of every struct set to something other than its default.
AdvisorReport full_report() {
  AdvisorReport r;
  r.run_id = "20261125T153000Z";
  r.generated_at_ms = 1'795'793'400'123;
  r.sluice_version = "0.4.2";
  r.proxies = {"http://10.0.0.5:9187", "/var/lib/sluice/export.json"};
  r.target = "db.internal:5432/shop";
  r.database = "shop";
  r.database_bytes = 3'221'225'472;  // 3 GB
  r.workload_since_ms = 1'795'784'400'000;
  r.workload_until_ms = 1'795'793'400'000;
  r.mode = "supervised";
  r.queries_seen = 57;
  r.queries_advised = 12;
  r.total_calls = 18'446'744'073'709'551'000ull;  // beyond 2^53: must survive as an integer

  r.queries.push_back(query("a1b2c3d4e5f60718", "SELECT * FROM orders WHERE customer_id = $1", 120'000, 98'765.4321,
                            15'234.6, 8.27));
  r.queries.push_back(query("0f1e2d3c4b5a6978", "SELECT name || ' ' || surname FROM customers WHERE email = $1",
                            40'000, 12'000.5, 2'100.25, 12.5));
  r.queries.push_back(query("1111222233334444", "<script>alert('x')</script> SELECT \"weird\" & 'quoted' FROM t", 3,
                            1.5, 40, 40));
  ReportQuery uncosted = query("5555666677778888", "SELECT pg_sleep($1)", 2, 2000, 0, 0);
  uncosted.costed = false;
  uncosted.cost_error = "function pg_sleep(unknown) is not unique";
  uncosted.sample_text = "";
  r.queries.push_back(uncosted);

  r.budget_bytes = 1'073'741'824;
  r.used_bytes = 45'678'592;
  r.workload_cost_before = 1'911'234'567.5;
  r.workload_cost_after = 1'000'123.25;

  Suggestion s;
  s.id = "9f86d081";
  s.table = "public.orders";
  s.columns = {"customer_id", "created_at"};
  s.create_statement = "CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx ON public.orders (customer_id, created_at)";
  s.size_bytes = 42'991'616;
  s.benefit = 1'828'000'000.75;
  s.maintenance_cost = 1'234.75;
  s.write_rows = 98'000;
  s.replaces = "public.orders(customer_id)";
  s.reason = "speeds up 2 queries by 99.9% of their estimated cost";
  QueryGain g1{"a1b2c3d4e5f60718", 15'234.6, 8.27, 12.75, 0.31};
  QueryGain g2{"0f1e2d3c4b5a6978", 2'100.25, 12.5, std::nullopt, 0.42};
  s.gains = {g1, g2};
  s.validation.ran = true;
  s.validation.kept = true;
  s.validation.verdict = "faster";
  s.validation.build_ms = 5'321.5;
  s.validation.actual_size_bytes = 44'040'192;
  ValidationEvidence::Run run;
  run.query_id = "a1b2c3d4e5f60718";
  run.before_runs_ms = {12.5, 12.75, 13.0};
  run.after_runs_ms = {0.3, 0.31, 0.35};
  run.before_ms = 12.75;
  run.after_ms = 0.31;
  s.validation.runs = {run};
  s.validation.error = "second run timed out once";
  s.status = "approved";
  r.suggestions.push_back(s);

  Suggestion s2;
  s2.id = "2c26b46b";
  s2.table = "public.customers";
  s2.columns = {"email"};
  s2.create_statement = "CREATE INDEX CONCURRENTLY customers_email_idx ON public.customers (email)";
  s2.size_bytes = 8'192;
  s2.benefit = 83'000;
  s2.maintenance_cost = 10;
  s2.write_rows = 5;
  s2.reason = "equality on email";
  s2.gains = {QueryGain{"0f1e2d3c4b5a6978", 2'100.25, 12.5, std::nullopt, std::nullopt}};
  s2.validation.error = "validation skipped: --no-validate";
  r.suggestions.push_back(s2);

  DropSuggestion d;
  d.table = "public.orders";
  d.index = "orders_status_idx";
  d.size_bytes = 16'777'216;
  d.idx_scan = 3;
  d.reason = "prefix-covered";
  d.covered_by = "orders_status_created_idx";
  d.drop_statement = "DROP INDEX CONCURRENTLY public.orders_status_idx";
  d.explanation = "every lookup it serves is served by orders_status_created_idx | and it costs writes";
  r.drops.push_back(d);

  r.rejected.push_back(RejectedIndex{"public.orders (status)", "benefit 12 below maintenance cost 340"});
  r.rejected.push_back(RejectedIndex{"public.items (sku, name)", "over budget"});

  r.candidates = 31;
  r.candidates_covered = 4;
  r.whatif_calls = 220;
  r.whatif_cache_hits = 97;
  r.uncostable_queries = 1;
  r.wall_ms = 7'654.321;
  r.validated = true;
  r.warnings = {"proxy http://10.0.0.6:9187 could not be reached: connection refused"};
  return r;
}

void expect_same(const AdvisorReport& got, const AdvisorReport& want) {
  EXPECT_EQ(got.format_version, want.format_version);
  EXPECT_EQ(got.run_id, want.run_id);
  EXPECT_EQ(got.generated_at_ms, want.generated_at_ms);
  EXPECT_EQ(got.sluice_version, want.sluice_version);
  EXPECT_EQ(got.proxies, want.proxies);
  EXPECT_EQ(got.target, want.target);
  EXPECT_EQ(got.database, want.database);
  EXPECT_EQ(got.database_bytes, want.database_bytes);
  EXPECT_EQ(got.workload_since_ms, want.workload_since_ms);
  EXPECT_EQ(got.workload_until_ms, want.workload_until_ms);
  EXPECT_EQ(got.mode, want.mode);
  EXPECT_EQ(got.queries_seen, want.queries_seen);
  EXPECT_EQ(got.queries_advised, want.queries_advised);
  EXPECT_EQ(got.total_calls, want.total_calls);
  ASSERT_EQ(got.queries.size(), want.queries.size());
  for (size_t i = 0; i < want.queries.size(); ++i) {
    SCOPED_TRACE("query " + std::to_string(i));
    const ReportQuery &a = got.queries[i], &b = want.queries[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.database, b.database);
    EXPECT_EQ(a.text, b.text);
    EXPECT_EQ(a.sample_text, b.sample_text);
    EXPECT_EQ(a.calls, b.calls);
    EXPECT_EQ(a.total_ms, b.total_ms);
    EXPECT_EQ(a.mean_ms, b.mean_ms);
    EXPECT_EQ(a.p99_ms, b.p99_ms);
    EXPECT_EQ(a.cost_before, b.cost_before);
    EXPECT_EQ(a.cost_after, b.cost_after);
    EXPECT_EQ(a.costed, b.costed);
    EXPECT_EQ(a.cost_error, b.cost_error);
  }
  EXPECT_EQ(got.budget_bytes, want.budget_bytes);
  EXPECT_EQ(got.used_bytes, want.used_bytes);
  EXPECT_EQ(got.workload_cost_before, want.workload_cost_before);
  EXPECT_EQ(got.workload_cost_after, want.workload_cost_after);
  ASSERT_EQ(got.suggestions.size(), want.suggestions.size());
  for (size_t i = 0; i < want.suggestions.size(); ++i) {
    SCOPED_TRACE("suggestion " + std::to_string(i));
    const Suggestion &a = got.suggestions[i], &b = want.suggestions[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.table, b.table);
    EXPECT_EQ(a.columns, b.columns);
    EXPECT_EQ(a.create_statement, b.create_statement);
    EXPECT_EQ(a.size_bytes, b.size_bytes);
    EXPECT_EQ(a.benefit, b.benefit);
    EXPECT_EQ(a.maintenance_cost, b.maintenance_cost);
    EXPECT_EQ(a.write_rows, b.write_rows);
    EXPECT_EQ(a.replaces, b.replaces);
    EXPECT_EQ(a.reason, b.reason);
    ASSERT_EQ(a.gains.size(), b.gains.size());
    for (size_t k = 0; k < b.gains.size(); ++k) {
      EXPECT_EQ(a.gains[k].query_id, b.gains[k].query_id);
      EXPECT_EQ(a.gains[k].cost_before, b.gains[k].cost_before);
      EXPECT_EQ(a.gains[k].cost_after, b.gains[k].cost_after);
      EXPECT_EQ(a.gains[k].measured_before_ms, b.gains[k].measured_before_ms);
      EXPECT_EQ(a.gains[k].measured_after_ms, b.gains[k].measured_after_ms);
    }
    const ValidationEvidence &va = a.validation, &vb = b.validation;
    EXPECT_EQ(va.ran, vb.ran);
    EXPECT_EQ(va.kept, vb.kept);
    EXPECT_EQ(va.verdict, vb.verdict);
    EXPECT_EQ(va.build_ms, vb.build_ms);
    EXPECT_EQ(va.actual_size_bytes, vb.actual_size_bytes);
    ASSERT_EQ(va.runs.size(), vb.runs.size());
    for (size_t k = 0; k < vb.runs.size(); ++k) {
      EXPECT_EQ(va.runs[k].query_id, vb.runs[k].query_id);
      EXPECT_EQ(va.runs[k].before_runs_ms, vb.runs[k].before_runs_ms);
      EXPECT_EQ(va.runs[k].after_runs_ms, vb.runs[k].after_runs_ms);
      EXPECT_EQ(va.runs[k].before_ms, vb.runs[k].before_ms);
      EXPECT_EQ(va.runs[k].after_ms, vb.runs[k].after_ms);
    }
    EXPECT_EQ(va.error, vb.error);
    EXPECT_EQ(a.status, b.status);
  }
  ASSERT_EQ(got.drops.size(), want.drops.size());
  for (size_t i = 0; i < want.drops.size(); ++i) {
    const DropSuggestion &a = got.drops[i], &b = want.drops[i];
    EXPECT_EQ(a.table, b.table);
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.size_bytes, b.size_bytes);
    EXPECT_EQ(a.idx_scan, b.idx_scan);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.covered_by, b.covered_by);
    EXPECT_EQ(a.drop_statement, b.drop_statement);
    EXPECT_EQ(a.explanation, b.explanation);
  }
  ASSERT_EQ(got.rejected.size(), want.rejected.size());
  for (size_t i = 0; i < want.rejected.size(); ++i) {
    EXPECT_EQ(got.rejected[i].index, want.rejected[i].index);
    EXPECT_EQ(got.rejected[i].reason, want.rejected[i].reason);
  }
  EXPECT_EQ(got.candidates, want.candidates);
  EXPECT_EQ(got.candidates_covered, want.candidates_covered);
  EXPECT_EQ(got.whatif_calls, want.whatif_calls);
  EXPECT_EQ(got.whatif_cache_hits, want.whatif_cache_hits);
  EXPECT_EQ(got.uncostable_queries, want.uncostable_queries);
  EXPECT_EQ(got.wall_ms, want.wall_ms);
  EXPECT_EQ(got.validated, want.validated);
  EXPECT_EQ(got.warnings, want.warnings);
}

// Through text, as report.json is written and read.
AdvisorReport round_trip(const AdvisorReport& r) { return report_from_json(json::parse(report_to_json(r).dump(2))); }

std::string error_of(const json& j) {
  try {
    report_from_json(j);
  } catch (const ReportFormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(AdvisorReportJson, RoundTripsEveryField) {
  const AdvisorReport r = full_report();
  const AdvisorReport back = round_trip(r);
  expect_same(back, r);
  // And the second trip writes the same document.
  EXPECT_EQ(report_to_json(back).dump(), report_to_json(r).dump());
}

TEST(AdvisorReportJson, WritesDocumentedFieldNames) {
  const json j = report_to_json(full_report());
  EXPECT_EQ(j.at("format_version"), 1);
  EXPECT_EQ(j.at("run_id"), "20261125T153000Z");
  EXPECT_EQ(j.at("total_calls").get<uint64_t>(), 18'446'744'073'709'551'000ull);
  EXPECT_EQ(j.at("suggestions").at(0).at("columns"), json::array({"customer_id", "created_at"}));
  EXPECT_EQ(j.at("suggestions").at(0).at("validation").at("runs").at(0).at("after_ms"), 0.31);
  EXPECT_EQ(j.at("suggestions").at(0).at("gains").at(1).at("measured_before_ms"), nullptr);
  EXPECT_EQ(j.at("suggestions").at(0).at("gains").at(1).at("measured_after_ms"), 0.42);
  EXPECT_EQ(j.at("drops").at(0).at("reason"), "prefix-covered");
}

TEST(AdvisorReportJson, NonFiniteNumbersBecomeNullAndReadBackAsNaN) {
  AdvisorReport r = full_report();
  r.queries[3].cost_before = std::numeric_limits<double>::quiet_NaN();
  r.queries[3].cost_after = std::numeric_limits<double>::infinity();
  r.wall_ms = -std::numeric_limits<double>::infinity();
  r.suggestions[0].gains[0].measured_before_ms = std::numeric_limits<double>::quiet_NaN();
  const json j = report_to_json(r);
  EXPECT_TRUE(j.at("queries").at(3).at("cost_before").is_null());
  EXPECT_TRUE(j.at("queries").at(3).at("cost_after").is_null());
  EXPECT_TRUE(j.at("wall_ms").is_null());
  const std::string text = j.dump();
  EXPECT_FALSE(std::regex_search(text, std::regex(R"([:,\[]\s*-?(nan|NaN|inf|Infinity))"))) << "no NaN or infinity values";

  const AdvisorReport back = report_from_json(json::parse(text));
  EXPECT_TRUE(std::isnan(back.queries[3].cost_before));
  EXPECT_TRUE(std::isnan(back.queries[3].cost_after));
  EXPECT_TRUE(std::isnan(back.wall_ms));
  // An optional that held NaN comes back present-but-NaN is not possible: null means absent.
  EXPECT_FALSE(back.suggestions[0].gains[0].measured_before_ms.has_value());
  EXPECT_EQ(back.queries[0].cost_before, 15'234.6);
}

TEST(AdvisorReportJson, InvalidUtf8InQueryTextIsReplaced) {
  AdvisorReport r = full_report();
  r.queries[0].text = "SELECT 'caf\xe9' FROM t";          // Latin-1 from a client
  r.queries[0].sample_text = "SELECT '\xc3\xa9t\xc3' -- x";  // valid, then a cut sequence
  const std::string text = report_to_json(r).dump();     // would throw on invalid UTF-8
  const AdvisorReport back = report_from_json(json::parse(text));
  EXPECT_EQ(back.queries[0].text, "SELECT 'caf\xef\xbf\xbd' FROM t");
  EXPECT_EQ(back.queries[0].sample_text, "SELECT '\xc3\xa9t\xef\xbf\xbd' -- x");
  EXPECT_EQ(back.queries[1].text, r.queries[1].text);
}

TEST(AdvisorReportJson, RejectsOtherFormatVersions) {
  json j = report_to_json(full_report());
  j["format_version"] = 2;
  EXPECT_NE(error_of(j).find("format_version 2 is not supported"), std::string::npos) << error_of(j);
  j["format_version"] = "1";
  EXPECT_NE(error_of(j).find("'format_version' is not an integer"), std::string::npos) << error_of(j);
  j.erase("format_version");
  EXPECT_NE(error_of(j).find("missing field 'format_version'"), std::string::npos) << error_of(j);
}

TEST(AdvisorReportJson, NamesTheMissingOrWrongField) {
  const json good = report_to_json(full_report());

  json j = good;
  j.erase("run_id");
  EXPECT_EQ(error_of(j), "report JSON: missing field 'run_id'");

  j = good;
  j["suggestions"][1].erase("table");
  EXPECT_EQ(error_of(j), "report JSON: missing field 'suggestions[1].table'");

  j = good;
  j["suggestions"][0]["validation"]["runs"][0].erase("before_ms");
  EXPECT_EQ(error_of(j), "report JSON: missing field 'suggestions[0].validation.runs[0].before_ms'");

  j = good;
  j["queries"][2]["calls"] = "3";
  EXPECT_EQ(error_of(j), "report JSON: field 'queries[2].calls' is not a non-negative integer");

  j = good;
  j["queries"][0]["calls"] = -1;
  EXPECT_EQ(error_of(j), "report JSON: field 'queries[0].calls' is not a non-negative integer");

  j = good;
  j["suggestions"][0]["columns"][1] = 7;
  EXPECT_EQ(error_of(j), "report JSON: field 'suggestions[0].columns[1]' is not a string");

  j = good;
  j["drops"] = json::object();
  EXPECT_EQ(error_of(j), "report JSON: field 'drops' is not an array");

  j = good;
  j["validated"] = 1;
  EXPECT_EQ(error_of(j), "report JSON: field 'validated' is not a boolean");

  j = good;
  j["suggestions"][0]["gains"][0]["cost_after"] = "cheap";
  EXPECT_EQ(error_of(j), "report JSON: field 'suggestions[0].gains[0].cost_after' is not a number");

  EXPECT_EQ(error_of(json::array()), "report JSON: the report is not an object");
  j = good;
  j["rejected"][0] = "an index";
  EXPECT_EQ(error_of(j), "report JSON: 'rejected[0]' is not an object");
}

TEST(AdvisorReportJson, OptionalMeasurementsMayBeAbsent) {
  json j = report_to_json(full_report());
  j["suggestions"][0]["gains"][0].erase("measured_before_ms");
  const AdvisorReport back = report_from_json(j);
  EXPECT_FALSE(back.suggestions[0].gains[0].measured_before_ms.has_value());
  EXPECT_EQ(back.suggestions[0].gains[0].measured_after_ms, 0.31);
}

// ---------------------------------------------------------------------------------------------

TEST(AdvisorReportHtml, IsOneSelfContainedPage) {
  const std::string html = render_report_html(full_report());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<style>"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  // Nothing fetched from anywhere: no src/href attributes, no stylesheet links, no imports.
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // The report's own URLs (proxies, a warning) are text with the colon as a character reference,
  // so the file holds no URL at all.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_NE(html.find("http&#58;//10.0.0.5:9187"), std::string::npos);
  std::regex url_attr(R"(=\s*"?\s*(https?:)?//)");
  EXPECT_FALSE(std::regex_search(html, url_attr));
}

TEST(AdvisorReportHtml, EscapesHostileQueryText) {
  AdvisorReport r = full_report();
  r.run_id = "<b>run</b>";
  r.suggestions[0].reason = "because \"<img src=x onerror=alert(1)>\"";
  const std::string html = render_report_html(r);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; SELECT &quot;weird&quot; &amp; &#39;quoted&#39;"),
            std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("because &quot;&lt;img src=x onerror=alert(1)&gt;&quot;"), std::string::npos);
  EXPECT_EQ(html.find("<b>run</b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;run&lt;/b&gt;"), std::string::npos);
}

TEST(AdvisorReportHtml, HeaderAndSummaryShowHumanNumbers) {
  const std::string html = render_report_html(full_report());
  EXPECT_NE(html.find("20261125T153000Z"), std::string::npos);
  EXPECT_NE(html.find("2026-11-27 15:30:00 UTC"), std::string::npos) << "generated_at in UTC";
  EXPECT_NE(html.find("db.internal:5432/shop"), std::string::npos);
  EXPECT_NE(html.find("3.0 GB"), std::string::npos) << "database size";
  EXPECT_NE(html.find("2026-11-27 13:00:00 UTC \u2192 2026-11-27 15:30:00 UTC (2 h 30 min)"), std::string::npos);
  EXPECT_NE(html.find("supervised (actions wait for approval)"), std::string::npos);
  EXPECT_NE(html.find("18,446,744,073,709,551,000"), std::string::npos) << "calls with separators";
  EXPECT_NE(html.find("1,911,234,568 \u2192 1,000,123"), std::string::npos) << "workload cost before -> after";
  EXPECT_NE(html.find("99.9% saved"), std::string::npos);
  EXPECT_NE(html.find("43.6 MB"), std::string::npos) << "budget used";
  EXPECT_NE(html.find("of 1.0 GB budget (4.3%)"), std::string::npos);
  EXPECT_NE(html.find("97 cache hits"), std::string::npos);
  EXPECT_NE(html.find("7.65 s"), std::string::npos) << "wall time";
  EXPECT_NE(html.find("<div class=\"k\">Validated</div><div class=\"v\">yes</div>"), std::string::npos);
  EXPECT_NE(html.find("proxy http&#58;//10.0.0.6:9187 could not be reached"), std::string::npos) << "warning shown";
}

TEST(AdvisorReportHtml, TopQueriesChartHasOneBarPerQuery) {
  AdvisorReport r = full_report();
  const std::string html = render_report_html(r);
  const size_t start = html.find("<svg class=\"chart top-queries\"");
  ASSERT_NE(start, std::string::npos);
  const std::string chart = html.substr(start, html.find("</svg>", start) - start);
  EXPECT_EQ(count(chart, "<rect class=\"bar\""), 4u);
  // Largest first, full text in the bar's <title>.
  EXPECT_LT(chart.find("SELECT * FROM orders WHERE customer_id = $1"), chart.find("SELECT pg_sleep($1)"));
  EXPECT_NE(chart.find("<title>SELECT * FROM orders WHERE customer_id = $1\n98,765.43 ms total, 120,000 calls"),
            std::string::npos);
  EXPECT_NE(chart.find(">98,765.43 ms</text>"), std::string::npos);

  // More than ten queries: only the top ten, long labels cut with an ellipsis.
  for (int i = 0; i < 15; ++i) {
    r.queries.push_back(query("ffff0000ffff00" + std::to_string(10 + i),
                              "SELECT " + std::string(200, 'x') + " FROM big_" + std::to_string(i), 10, 50'000.0 + i,
                              1, 1));
  }
  const std::string html2 = render_report_html(r);
  const size_t s2 = html2.find("<svg class=\"chart top-queries\"");
  const std::string chart2 = html2.substr(s2, html2.find("</svg>", s2) - s2);
  EXPECT_EQ(count(chart2, "<rect class=\"bar\""), 10u);
  EXPECT_NE(chart2.find(">SELECT xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\u2026</text>"), std::string::npos);
  EXPECT_NE(chart2.find(" FROM big_14\n"), std::string::npos) << "full text kept in the title";
  EXPECT_EQ(chart2.find("pg_sleep"), std::string::npos) << "the 2 s query is not in the top ten";
  EXPECT_NE(html2.find("Top 10 of 19 queries considered"), std::string::npos);
}

TEST(AdvisorReportHtml, SuggestionCardsCarryStatementGainsAndEvidence) {
  const AdvisorReport r = full_report();
  const std::string html = render_report_html(r);
  EXPECT_EQ(count(html, "<article class=\"suggestion\""), 2u);
  EXPECT_NE(html.find("<pre class=\"statement\"><code>CREATE INDEX CONCURRENTLY orders_customer_id_created_at_idx ON "
                      "public.orders (customer_id, created_at)</code></pre>"),
            std::string::npos);
  EXPECT_NE(html.find("<span class=\"badge status-approved\">approved</span>"), std::string::npos);
  EXPECT_NE(html.find("41.0 MB"), std::string::npos) << "estimated size";
  EXPECT_NE(html.find("1,235 planner cost added to writes (98,000 rows written)"), std::string::npos);
  EXPECT_NE(html.find("public.orders(customer_id)"), std::string::npos) << "replaces";
  // Queries helped: measured columns present for the first card only.
  EXPECT_EQ(count(html, "<th class=\"n\">Measured before</th>"), 1u);
  EXPECT_NE(html.find("<td class=\"n\">15,235</td><td class=\"n\">8.27</td><td class=\"n\">99.9%</td>"
                      "<td class=\"n\">12.75 ms</td><td class=\"n\">0.31 ms</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">\u2014</td><td class=\"n\">0.42 ms</td>"), std::string::npos);
  // One gains chart per suggestion with a before and an after bar per query; 15,234.5 vs 8.27
  // spans more than 100x, so the first chart is on a log scale, the second too (2,100 vs 12.5).
  EXPECT_EQ(count(html, "<svg class=\"chart gains\""), 2u);
  EXPECT_EQ(count(html, "<rect class=\"before\" x=\"310\""), 3u);
  EXPECT_EQ(count(html, "<rect class=\"after\" x=\"310\""), 3u);
  EXPECT_EQ(count(html, "log scale (values span more than 100\u00d7)"), 2u);
  // Validation evidence.
  EXPECT_NE(html.find("<dt>Verdict</dt><dd>faster</dd>"), std::string::npos);
  EXPECT_NE(html.find("<dt>Build time</dt><dd>5.32 s</dd>"), std::string::npos);
  EXPECT_NE(html.find("12.50, 12.75, 13.00"), std::string::npos);
  EXPECT_NE(html.find("97.6% faster"), std::string::npos);
  EXPECT_NE(html.find("Not validated by real execution: validation skipped: --no-validate"), std::string::npos);
}

TEST(AdvisorReportHtml, LinearScaleWhenValuesAreClose) {
  AdvisorReport r = full_report();
  r.suggestions.resize(1);
  r.suggestions[0].gains = {QueryGain{"a1b2c3d4e5f60718", 100, 50, std::nullopt, std::nullopt}};
  const std::string html = render_report_html(r);
  EXPECT_NE(html.find("linear scale"), std::string::npos);
  EXPECT_NE(html.find("<rect class=\"before\" x=\"310\" y=\"30\" width=\"520.0\""), std::string::npos);
  EXPECT_NE(html.find("<rect class=\"after\" x=\"310\" y=\"42\" width=\"260.0\""), std::string::npos);
}

TEST(AdvisorReportHtml, DropsRejectedAndWork) {
  const std::string html = render_report_html(full_report());
  EXPECT_NE(html.find("<h2>Indexes to drop (1)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<code>DROP INDEX CONCURRENTLY public.orders_status_idx</code>"), std::string::npos);
  EXPECT_NE(html.find("16.0 MB"), std::string::npos);
  EXPECT_NE(html.find("<h2>Considered and rejected (2)</h2>"), std::string::npos);
  EXPECT_NE(html.find("<li><code>public.items (sku, name)</code> \u2014 over budget</li>"), std::string::npos);
  EXPECT_NE(html.find("31 (4 covered by an existing index)"), std::string::npos);
  EXPECT_NE(html.find("function pg_sleep(unknown) is not unique"), std::string::npos);
}

TEST(AdvisorReportHtml, EmptyReportStillRenders) {
  AdvisorReport r;
  const std::string html = render_report_html(r);
  EXPECT_NE(html.find("No queries were recorded"), std::string::npos);
  EXPECT_NE(html.find("<h2>Suggestions (0)</h2>"), std::string::npos);
  EXPECT_EQ(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------

TEST(AdvisorReportMarkdown, StatementsInSqlBlocks) {
  const AdvisorReport r = full_report();
  const std::string md = render_report_markdown(r);
  for (const auto& s : r.suggestions) {
    EXPECT_NE(md.find("```sql\n" + s.create_statement + "\n```\n"), std::string::npos) << s.create_statement;
  }
  EXPECT_NE(md.find("```sql\nDROP INDEX CONCURRENTLY public.orders_status_idx\n```"), std::string::npos);
  EXPECT_NE(md.find("### 1. public.orders (customer\\_id, created\\_at) \u00b7 `9f86d081` \u00b7 approved"),
            std::string::npos)
      << md;
}

TEST(AdvisorReportMarkdown, EscapesPipesInTableCells) {
  const std::string md = render_report_markdown(full_report());
  // The query text with || string concatenation stays in one cell.
  EXPECT_NE(md.find("| `0f1e2d3c4b5a6978` | `SELECT name \\|\\| ' ' \\|\\| surname FROM customers WHERE email = $1` | "
                    "40,000 | 2,100 | 12.50 | 99.4% |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("name ||"), std::string::npos);
  // Every table row has as many unescaped pipes as its header.
  std::istringstream lines(md);
  std::string line, header;
  size_t header_cells = 0;
  auto cells = [](const std::string& l) {
    size_t n = 0;
    for (size_t i = 0; i < l.size(); ++i) n += l[i] == '|' && (i == 0 || l[i - 1] != '\\');
    return n;
  };
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("|", 0) != 0) {
      header_cells = 0;
      continue;
    }
    if (header_cells == 0) {
      header_cells = cells(line);
      continue;
    }
    EXPECT_EQ(cells(line), header_cells) << line;
    ++rows;
  }
  EXPECT_EQ(rows, 3 + 2 + 2) << "three tables: delimiter rows, three gains, one drop";
  EXPECT_NE(md.find("orders\\_status\\_created\\_idx \\| and it costs writes |"), std::string::npos) << md;
}

TEST(AdvisorReportMarkdown, SummaryMeasurementsAndWarnings) {
  const std::string md = render_report_markdown(full_report());
  EXPECT_NE(md.find("- **Queries advised:** 12 of 57 seen"), std::string::npos);
  EXPECT_NE(md.find("- **Estimated workload cost:** 1,911,234,568 \u2192 1,000,123 (99.9% saved)"), std::string::npos);
  EXPECT_NE(md.find("- **Index budget:** 43.6 MB used of 1.0 GB"), std::string::npos);
  EXPECT_NE(md.find("| Measured before | Measured after |"), std::string::npos);
  EXPECT_NE(md.find("| 12.75 ms | 0.31 ms |"), std::string::npos);
  EXPECT_NE(md.find("> - proxy http://10.0.0.6:9187 could not be reached"), std::string::npos);
  EXPECT_NE(md.find("Validation: **faster** (kept), built in 5.32 s"), std::string::npos);
  EXPECT_NE(md.find("<summary>Considered and rejected (2)</summary>"), std::string::npos);
  EXPECT_EQ(md.find("<script>"), std::string::npos);
}

}  // namespace
}  // namespace sluice::advisor
