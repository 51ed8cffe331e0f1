#include "schema/lint/lint_output.h"

namespace sluice::schema::lint {

std::optional<OutputFormat> parse_output_format(std::string_view text) {
  if (text == "text") return OutputFormat::Text;
  if (text == "json") return OutputFormat::Json;
  if (text == "github") return OutputFormat::Github;
  if (text == "sarif") return OutputFormat::Sarif;
  if (text == "markdown") return OutputFormat::Markdown;
  return std::nullopt;
}

SeverityCounts count_severities(const LintResult& result) {
  SeverityCounts c;
  for (const Finding& f : result.findings) {
    switch (f.severity) {
      case Severity::Notice: ++c.notice; break;
      case Severity::Warning: ++c.warning; break;
      case Severity::Error: ++c.error; break;
    }
  }
  return c;
}

void write_report(std::ostream& out, OutputFormat format, const LintResult& result, const ReportInfo& info) {
  switch (format) {
    case OutputFormat::Text: write_text(out, result, info); break;
    case OutputFormat::Json: write_json(out, result, info); break;
    case OutputFormat::Github: write_github(out, result, info); break;
    case OutputFormat::Sarif: write_sarif(out, result, info); break;
    case OutputFormat::Markdown: write_markdown(out, result, info); break;
  }
}

}  // namespace sluice::schema::lint
