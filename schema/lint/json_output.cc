// JSON output (format_version 1; docs/lint.md describes every field). Keys are always present,
// in a fixed order, so that diffs of two runs stay small.
#include <nlohmann/json.hpp>

#include "schema/lint/lint_output.h"

namespace sluice::schema::lint {

void write_json(std::ostream& out, const LintResult& result, const ReportInfo& info) {
  using Json = nlohmann::ordered_json;
  Json doc;
  doc["format_version"] = 1;
  doc["tool"] = "sluice lint";
  doc["tool_version"] = info.tool_version;
  doc["dialect"] = info.dialect;
  if (info.dialect == "postgres") doc["pg_version"] = info.pg_version;
  doc["files"] = info.files;
  SeverityCounts n = count_severities(result);
  doc["summary"] = Json{{"error", n.error}, {"warning", n.warning}, {"notice", n.notice},
                        {"parse_errors", result.errors.size()}};
  Json findings = Json::array();
  for (const Finding& f : result.findings) {
    Json j;
    j["rule"] = f.rule;
    j["severity"] = to_string(f.severity);
    j["file"] = f.where.file;
    j["line"] = f.where.line;
    j["column"] = f.where.column;
    j["message"] = f.message;
    j["statement"] = f.statement;
    j["table"] = f.table;
    j["column_name"] = f.column;
    j["lock"] = f.lock;
    j["blocks"] = f.blocks;
    j["rewrites_table"] = f.rewrites_table;
    j["scans_table"] = f.scans_table;
    j["safe_alternative"] = f.safe_alternative;
    j["notes"] = f.notes;
    findings.push_back(std::move(j));
  }
  doc["findings"] = std::move(findings);
  Json errors = Json::array();
  for (const ParseError& e : result.errors) {
    errors.push_back(Json{{"file", e.where.file}, {"line", e.where.line}, {"column", e.where.column},
                          {"message", e.message}});
  }
  doc["errors"] = std::move(errors);
  out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

}  // namespace sluice::schema::lint
