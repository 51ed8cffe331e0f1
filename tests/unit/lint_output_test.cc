// The output formats of `sluice lint`: text, json, github, sarif, markdown.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "schema/lint/linter.h"
#include "schema/lint/lint_output.h"

namespace sluice::schema::lint {
namespace {

LintResult sample() {
  LintResult r;
  LintOptions options;
  lint_pg_text("db/001_orders.sql",
               "SET lock_timeout = '1s';\nSET statement_timeout = '1min';\n"
               "CREATE INDEX IF NOT EXISTS orders_c ON orders (customer_id);\n"
               "CREATE TABLE IF NOT EXISTS notes (id bigint PRIMARY KEY, body json);\n",
               options, r);
  lint_pg_text("db/002_broken.sql", "SELECT 1;\nALTER TABLE;\n", options, r);
  return r;
}

std::string render(OutputFormat format, const LintResult& r, bool color = false) {
  std::ostringstream out;
  ReportInfo info;
  info.files = 2;
  info.color = color;
  write_report(out, format, r, info);
  return out.str();
}

TEST(LintOutput, SampleHasAnErrorANoticeAndAParseError) {
  LintResult r = sample();
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].rule, "require-concurrent-index-creation");
  EXPECT_EQ(r.findings[1].rule, "prefer-jsonb");
  ASSERT_EQ(r.errors.size(), 1u);
}

TEST(LintOutput, Text) {
  std::string text = render(OutputFormat::Text, sample());
  EXPECT_NE(text.find("db/001_orders.sql:3:1: error [require-concurrent-index-creation] CREATE INDEX on orders"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  lock: SHARE, blocks writes (INSERT, UPDATE, DELETE); scans the table\n"), std::string::npos);
  EXPECT_NE(text.find("  safe way: CREATE INDEX CONCURRENTLY"), std::string::npos);
  EXPECT_NE(text.find("db/002_broken.sql:2:12: parse error: syntax error at or near \";\""), std::string::npos) << text;
  EXPECT_NE(text.find("1 error, 0 warnings, 1 notice, 1 file not parsed in 2 files"), std::string::npos) << text;
  EXPECT_EQ(text.find("\x1b["), std::string::npos);
  EXPECT_NE(render(OutputFormat::Text, sample(), true).find("\x1b[31m"), std::string::npos);
}

TEST(LintOutput, JsonIsStableAndParses) {
  nlohmann::json doc = nlohmann::json::parse(render(OutputFormat::Json, sample()));
  EXPECT_EQ(doc["format_version"], 1);
  EXPECT_EQ(doc["dialect"], "postgres");
  EXPECT_EQ(doc["pg_version"], 15);
  EXPECT_EQ(doc["files"], 2);
  EXPECT_EQ(doc["summary"]["error"], 1);
  EXPECT_EQ(doc["summary"]["notice"], 1);
  EXPECT_EQ(doc["summary"]["parse_errors"], 1);
  ASSERT_EQ(doc["findings"].size(), 2u);
  const auto& f = doc["findings"][0];
  for (const char* key : {"rule", "severity", "file", "line", "column", "message", "statement", "table", "column_name",
                          "lock", "blocks", "rewrites_table", "scans_table", "safe_alternative", "notes"}) {
    EXPECT_TRUE(f.contains(key)) << key;
  }
  EXPECT_EQ(f["rule"], "require-concurrent-index-creation");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["line"], 3);
  EXPECT_EQ(f["lock"], "SHARE");
  EXPECT_EQ(f["scans_table"], true);
  EXPECT_EQ(doc["errors"][0]["file"], "db/002_broken.sql");
  EXPECT_EQ(doc["errors"][0]["line"], 2);
  EXPECT_EQ(doc["errors"][0]["column"], 12);
}

TEST(LintOutput, GithubAnnotations) {
  std::string text = render(OutputFormat::Github, sample());
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  ASSERT_EQ(all.size(), 3u) << text;
  EXPECT_EQ(all[0].rfind("::error file=db/002_broken.sql,line=2,col=12,title=sluice lint%3A parse error::syntax error", 0), 0u)
      << all[0];
  EXPECT_EQ(all[1].rfind("::error file=db/001_orders.sql,line=3,col=1,title=sluice lint%3A "
                         "require-concurrent-index-creation::CREATE INDEX on orders",
                         0),
            0u)
      << all[1];
  EXPECT_NE(all[1].find("%0ASafe way: CREATE INDEX CONCURRENTLY"), std::string::npos);
  EXPECT_EQ(all[2].rfind("::notice file=db/001_orders.sql,line=4,", 0), 0u) << all[2];
}

TEST(LintOutput, SarifHasTheRequiredFields) {
  nlohmann::json doc = nlohmann::json::parse(render(OutputFormat::Sarif, sample()));
  EXPECT_EQ(doc["version"], "2.1.0");
  EXPECT_TRUE(doc.contains("$schema"));
  ASSERT_EQ(doc["runs"].size(), 1u);
  const auto& run = doc["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "sluice lint");
  const auto& rules = run["tool"]["driver"]["rules"];
  ASSERT_GT(rules.size(), 30u);
  for (const auto& rule : rules) {
    EXPECT_TRUE(rule["id"].is_string());
    EXPECT_TRUE(rule["shortDescription"]["text"].is_string());
  }
  const auto& results = run["results"];
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    EXPECT_TRUE(result["message"]["text"].is_string());
    std::string level = result["level"];
    EXPECT_TRUE(level == "error" || level == "warning" || level == "note") << level;
    std::size_t index = result["ruleIndex"];
    EXPECT_EQ(rules[index]["id"], result["ruleId"]);
    const auto& loc = result["locations"][0]["physicalLocation"];
    EXPECT_TRUE(loc["artifactLocation"]["uri"].is_string());
    EXPECT_GE(loc["region"]["startLine"].get<int>(), 1);
    EXPECT_GE(loc["region"]["startColumn"].get<int>(), 1);
  }
  EXPECT_EQ(results[1]["ruleId"], "require-concurrent-index-creation");
  EXPECT_EQ(results[2]["level"], "note");
}

TEST(LintOutput, Markdown) {
  std::string text = render(OutputFormat::Markdown, sample());
  EXPECT_EQ(text.rfind("### sluice lint\n", 0), 0u);
  EXPECT_NE(text.find("1 error(s), 0 warning(s), 1 notice(s), 1 file(s) that do not parse in 2 file(s)."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("#### `db/001_orders.sql`"), std::string::npos);
  EXPECT_NE(text.find("- **error** `require-concurrent-index-creation` at line 3, column 1"), std::string::npos);
  EXPECT_NE(text.find("  ```sql\n  CREATE INDEX IF NOT EXISTS orders_c ON orders (customer_id)\n  ```\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Safe way: CREATE INDEX CONCURRENTLY"), std::string::npos);
  LintResult clean;
  EXPECT_NE(render(OutputFormat::Markdown, clean).find("No problems found"), std::string::npos);
}

TEST(LintOutput, FormatNames) {
  EXPECT_EQ(parse_output_format("sarif"), OutputFormat::Sarif);
  EXPECT_EQ(parse_output_format("xml"), std::nullopt);
}

}  // namespace
}  // namespace sluice::schema::lint
