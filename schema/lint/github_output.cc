// GitHub Actions workflow commands: one annotation line per finding and parse error.
//   ::error file=db/001.sql,line=3,col=1,title=sluice lint: require-concurrent-index-creation::message
// Data is escaped as the runner expects: % \r \n in the message; also : and , in properties.
#include "schema/lint/lint_output.h"

namespace sluice::schema::lint {

namespace {

std::string escape_data(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string escape_property(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

const char* command(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Notice: return "notice";
  }
  return "warning";
}

}  // namespace

void write_github(std::ostream& out, const LintResult& result, const ReportInfo& /*info*/) {
  for (const ParseError& e : result.errors) {
    out << "::error file=" << escape_property(e.where.file);
    if (e.where.line > 0) out << ",line=" << e.where.line << ",col=" << e.where.column;
    out << ",title=" << escape_property("sluice lint: parse error") << "::" << escape_data(e.message) << "\n";
  }
  for (const Finding& f : result.findings) {
    std::string body = f.message;
    if (!f.safe_alternative.empty()) body += "\nSafe way: " + f.safe_alternative;
    for (const std::string& n : f.notes) body += "\nNote: " + n;
    out << "::" << command(f.severity) << " file=" << escape_property(f.where.file) << ",line=" << f.where.line
        << ",col=" << f.where.column << ",title=" << escape_property("sluice lint: " + f.rule) << "::"
        << escape_data(body) << "\n";
  }
}

}  // namespace sluice::schema::lint
