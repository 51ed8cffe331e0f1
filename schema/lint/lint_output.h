// Output formats of `sluice lint`. All of them list the parse errors too.
//   text      one block per finding, for a terminal (colour only when asked: the CLI asks on a TTY)
//   json      stable, versioned ("format_version": 1), documented in docs/lint.md
//   github    workflow commands: ::error file=...,line=...,col=...,title=...::message
//   sarif     SARIF 2.1.0, for code scanning
//   markdown  a pull-request comment body
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "schema/lint/finding.h"

namespace sluice::schema::lint {

enum class OutputFormat { Text, Json, Github, Sarif, Markdown };
std::optional<OutputFormat> parse_output_format(std::string_view text);

struct ReportInfo {
  std::string dialect = "postgres";
  int pg_version = 15;
  std::size_t files = 0;  // files linted
  bool color = false;     // text only: ANSI colours
  std::string tool_version = "0.1.0";
};

void write_text(std::ostream& out, const LintResult& result, const ReportInfo& info);
void write_json(std::ostream& out, const LintResult& result, const ReportInfo& info);
void write_github(std::ostream& out, const LintResult& result, const ReportInfo& info);
void write_sarif(std::ostream& out, const LintResult& result, const ReportInfo& info);
void write_markdown(std::ostream& out, const LintResult& result, const ReportInfo& info);
void write_report(std::ostream& out, OutputFormat format, const LintResult& result, const ReportInfo& info);

// Counts per severity: [notice, warning, error].
struct SeverityCounts {
  std::size_t notice = 0, warning = 0, error = 0;
};
SeverityCounts count_severities(const LintResult& result);

}  // namespace sluice::schema::lint
