// report.html in a real browser: headless Chromium loads the rendered page from disk, and the test
// reads back the DOM it built and the console output it logged. The page must parse into the
// statement and the SVG charts, log nothing to the console (it runs no script, so any console
// line is an error: an exception, a blocked resource, a CSP violation), and reference no URL.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "advisor/report_html.h"
#include "tests/fixtures/subprocess.h"
#include "tests/fixtures/temp_dir.h"

namespace sluice::testing {
namespace {

using advisor::AdvisorReport;

constexpr const char* kChromium = "/usr/bin/chromium";

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

AdvisorReport sample_report() {
  AdvisorReport r;
  r.run_id = "20261125T153000Z";
  r.generated_at_ms = 1'795'793'400'000;
  r.sluice_version = "test";
  r.proxies = {"http://10.0.0.5:9187", "https://proxy-2.internal:9187"};
  r.target = "127.0.0.1:5432/shop";
  r.database = "shop";
  r.database_bytes = 512LL << 20;
  r.workload_since_ms = r.generated_at_ms - 3'600'000;
  r.workload_until_ms = r.generated_at_ms;
  r.queries_seen = 14;
  r.queries_advised = 12;
  r.total_calls = 250'000;
  for (int i = 0; i < 12; ++i) {
    advisor::ReportQuery q;
    q.id = "00000000000000" + std::to_string(10 + i);
    q.database = "shop";
    q.text = "SELECT * FROM orders WHERE customer_id = $1 AND note = 'q" + std::to_string(i) + "'";
    q.calls = 1000 * uint64_t(12 - i);
    q.total_ms = 5000.0 * (12 - i);
    q.mean_ms = q.total_ms / double(q.calls);
    q.cost_before = 20'000;
    q.cost_after = 8.5;
    q.costed = true;
    r.queries.push_back(q);
  }
  // Text a browser must show, not run.
  r.queries[1].text = "SELECT '<script>document.title=\"owned\"</script>' || $1 FROM t";
  r.budget_bytes = 1LL << 30;
  r.used_bytes = 24LL << 20;
  r.workload_cost_before = 2'400'000;
  r.workload_cost_after = 1'200;

  advisor::Suggestion s;
  s.id = "9f86d081";
  s.table = "public.orders";
  s.columns = {"customer_id"};
  s.create_statement = "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id)";
  s.size_bytes = 24LL << 20;
  s.benefit = 2'398'800;
  s.maintenance_cost = 150;
  s.write_rows = 1200;
  s.reason = "equality on customer_id in 12 queries";
  s.gains.push_back({r.queries[0].id, 20'000, 8.5, 41.5, 0.25});
  s.gains.push_back({r.queries[1].id, 20'000, 8.5, std::nullopt, std::nullopt});
  s.validation.ran = true;
  s.validation.kept = true;
  s.validation.verdict = "faster";
  s.validation.build_ms = 812.5;
  s.validation.actual_size_bytes = 25LL << 20;
  s.validation.runs.push_back({r.queries[0].id, {41.0, 41.5, 43.0}, {0.24, 0.25, 0.3}, 41.5, 0.25});
  r.suggestions.push_back(s);

  advisor::DropSuggestion d;
  d.table = "public.orders";
  d.index = "orders_note_idx";
  d.size_bytes = 8LL << 20;
  d.reason = "unused";
  d.drop_statement = "DROP INDEX CONCURRENTLY public.orders_note_idx";
  d.explanation = "no scans since statistics were reset";
  r.drops.push_back(d);
  r.rejected.push_back({"public.orders (note)", "no query filters on note alone"});
  r.candidates = 5;
  r.whatif_calls = 40;
  r.whatif_cache_hits = 12;
  r.wall_ms = 1530;
  r.validated = true;
  r.warnings = {"proxy http://10.0.0.6:9187 could not be reached"};
  return r;
}

struct BrowserRun {
  RunResult result;    // output: the dumped DOM (stdout only)
  std::string log;  // Chromium's stderr
};

// Lines of Chromium's log that come from the page: console messages (console.*, uncaught
// exceptions, CSP violations and blocked loads all arrive as CONSOLE lines) and "Uncaught".
std::vector<std::string> page_console_lines(const std::string& log) {
  std::vector<std::string> found;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find(":CONSOLE") != std::string::npos || line.find("Uncaught") != std::string::npos) {
      found.push_back(line);
    }
  }
  return found;
}

std::string quote(const std::string& s) {
  EXPECT_EQ(s.find('\''), std::string::npos) << s;
  return "'" + s + "'";
}

class ReportChromium : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kChromium, X_OK) != 0) {
      const char* ci = std::getenv("CI");
      if (ci == nullptr || *ci == '\0') GTEST_SKIP() << kChromium << " is not installed (scripts/install-deps.sh)";
      FAIL() << kChromium << " is missing, and CI is set: the browser check must run in CI";
    }
  }

  // Loads a page and dumps its DOM. stderr goes to a file so stdout holds nothing but the DOM.
  BrowserRun load(const std::string& html_path) {
    const std::string log_path = dir_.file("chromium.log");
    std::vector<std::string> args = {kChromium,
                                     "--headless=new",
                                     "--no-sandbox",  // the tests may run as root, where the sandbox refuses to start
                                     "--disable-gpu",
                                     "--disable-dev-shm-usage",
                                     "--no-first-run",
                                     "--user-data-dir=" + dir_.file("profile"),
                                     "--enable-logging=stderr",
                                     "--v=0",
                                     "--dump-dom",
                                     "file://" + html_path};
    std::string script = "exec";
    for (const auto& a : args) script += " " + quote(a);
    script += " 2>" + quote(log_path);
    RunOptions options;
    options.timeout = std::chrono::milliseconds(90'000);
    BrowserRun run;
    run.result = run_command({"/bin/sh", "-c", script}, options);
    run.log = read_text_file(log_path);
    return run;
  }

  TempDir dir_{"sluice-report-chromium"};
};

TEST_F(ReportChromium, RendersTheReportWithoutConsoleErrors) {
  const AdvisorReport report = sample_report();
  const std::string html = advisor::render_report_html(report);
  // Self-contained: not a single URL in the file, although the report names its proxies by URL
  // (they are written with "&#58;" for the colon, and the browser shows them as typed).
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  const std::string path = dir_.write_file("report.html", html);

  const BrowserRun run = load(path);
  ASSERT_TRUE(run.result.ok()) << run.result.describe() << "\n" << run.log;
  const std::string& dom = run.result.output;
  EXPECT_NE(dom.find("</html>"), std::string::npos) << dom.substr(0, 2000);
  EXPECT_NE(dom.find(report.suggestions[0].create_statement), std::string::npos);
  EXPECT_NE(dom.find("DROP INDEX CONCURRENTLY public.orders_note_idx"), std::string::npos);
  // The charts: the top-queries chart (ten of twelve queries) and one gains chart.
  EXPECT_EQ(count(dom, "<svg "), 2u);
  EXPECT_NE(dom.find("<svg class=\"chart top-queries\""), std::string::npos);
  EXPECT_NE(dom.find("<svg class=\"chart gains\""), std::string::npos);
  EXPECT_EQ(count(dom, "<rect class=\"bar\""), 10u);
  EXPECT_EQ(count(dom, "<rect class=\"before\""), 3u) << "legend plus one bar per query helped";
  EXPECT_EQ(count(dom, "<rect class=\"after\""), 3u);
  // The hostile query text is text, not an element; the title is the report's own.
  EXPECT_EQ(dom.find("<script"), std::string::npos);
  EXPECT_NE(dom.find("&lt;script&gt;document.title=\"owned\"&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(dom.find("<title>Sluice index advice"), std::string::npos);
  EXPECT_NE(dom.find(">http://10.0.0.5:9187</span>"), std::string::npos);
  EXPECT_NE(dom.find("proxy http://10.0.0.6:9187 could not be reached"), std::string::npos);

  const std::vector<std::string> console = page_console_lines(run.log);
  std::string joined;
  for (const auto& l : console) joined += l + "\n";
  EXPECT_TRUE(console.empty()) << "the page logged to the console:\n" << joined;
}

// The console check above would pass vacuously if this Chromium did not log page messages to
// stderr; a page that throws proves it does.
TEST_F(ReportChromium, ConsoleErrorsAreDetected) {
  const std::string path =
      dir_.write_file("broken.html",
                      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>t</title></head><body>"
                      "<p>broken</p><script>console.error('sluice-console-error'); missingFunction();</script>"
                      "</body></html>\n");
  const BrowserRun run = load(path);
  ASSERT_TRUE(run.result.ok()) << run.result.describe() << "\n" << run.log;
  const std::vector<std::string> console = page_console_lines(run.log);
  std::string joined;
  for (const auto& l : console) joined += l + "\n";
  EXPECT_NE(joined.find("sluice-console-error"), std::string::npos) << run.log;
  EXPECT_NE(joined.find("Uncaught ReferenceError: missingFunction is not defined"), std::string::npos) << run.log;
}

}  // namespace
}  // namespace sluice::testing
