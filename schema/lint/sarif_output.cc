// SARIF 2.1.0 for code scanning: one run, the rules in tool.driver.rules, one result per finding;
// parse errors are results of the pseudo-rule "parse-error" (level error) so they show up too.
#include <map>
#include <nlohmann/json.hpp>

#include "schema/lint/lint_output.h"
#include "schema/lint/pg_rules.h"

namespace sluice::schema::lint {

namespace {

using Json = nlohmann::ordered_json;

const char* level(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Notice: return "note";
  }
  return "warning";
}

Json rule_json(std::string_view id, std::string_view summary, std::string_view help, Severity severity) {
  Json r;
  r["id"] = id;
  r["name"] = id;
  r["shortDescription"] = Json{{"text", summary.empty() ? id : summary}};
  r["fullDescription"] = Json{{"text", summary.empty() ? id : summary}};
  r["help"] = Json{{"text", help.empty() ? std::string(summary) : std::string(help)}};
  r["defaultConfiguration"] = Json{{"level", level(severity)}};
  return r;
}

Json location(const SourceLocation& where) {
  Json region = Json::object();
  if (where.line > 0) {
    region["startLine"] = where.line;
    region["startColumn"] = where.column;
  }
  Json physical;
  physical["artifactLocation"] = Json{{"uri", where.file}};
  if (!region.empty()) physical["region"] = region;
  return Json{{"physicalLocation", physical}};
}

}  // namespace

void write_sarif(std::ostream& out, const LintResult& result, const ReportInfo& info) {
  Json rules = Json::array();
  std::map<std::string, std::size_t> index;
  auto add_rule = [&](Json r) {
    std::string id = r["id"].get<std::string>();
    if (index.count(id) != 0) return;
    index[id] = rules.size();
    rules.push_back(std::move(r));
  };
  if (info.dialect == "postgres") {
    for (const PgRule& r : pg_rules()) add_rule(rule_json(r.id, r.summary, r.safe_alternative, r.severity));
  }
  add_rule(rule_json("parse-error", "The file does not parse", "Fix the syntax error.", Severity::Error));
  for (const Finding& f : result.findings) add_rule(rule_json(f.rule, "", f.safe_alternative, f.severity));

  Json results = Json::array();
  for (const ParseError& e : result.errors) {
    Json r;
    r["ruleId"] = "parse-error";
    r["ruleIndex"] = index["parse-error"];
    r["level"] = "error";
    r["message"] = Json{{"text", e.message}};
    r["locations"] = Json::array({location(e.where)});
    results.push_back(std::move(r));
  }
  for (const Finding& f : result.findings) {
    std::string text = f.message;
    if (!f.safe_alternative.empty()) text += "\nSafe way: " + f.safe_alternative;
    for (const std::string& n : f.notes) text += "\nNote: " + n;
    Json r;
    r["ruleId"] = f.rule;
    r["ruleIndex"] = index[f.rule];
    r["level"] = level(f.severity);
    r["message"] = Json{{"text", text}};
    r["locations"] = Json::array({location(f.where)});
    Json props;
    props["lock"] = f.lock;
    props["blocks"] = f.blocks;
    props["rewritesTable"] = f.rewrites_table;
    props["scansTable"] = f.scans_table;
    props["table"] = f.table;
    props["statement"] = f.statement;
    r["properties"] = props;
    results.push_back(std::move(r));
  }

  Json driver;
  driver["name"] = "sluice lint";
  driver["version"] = info.tool_version;
  driver["rules"] = std::move(rules);
  Json run;
  run["tool"] = Json{{"driver", std::move(driver)}};
  run["results"] = std::move(results);
  Json doc;
  doc["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = Json::array({std::move(run)});
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace sluice::schema::lint
