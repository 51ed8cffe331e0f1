// Text output: one block per finding, compiler-style first line so editors can jump to it.
#include "schema/lint/lint_output.h"

namespace sluice::schema::lint {

namespace {

struct Colors {
  const char* bold = "";
  const char* dim = "";
  const char* red = "";
  const char* yellow = "";
  const char* cyan = "";
  const char* green = "";
  const char* reset = "";
};

Colors colors(bool on) {
  if (!on) return {};
  return Colors{"\x1b[1m", "\x1b[2m", "\x1b[31m", "\x1b[33m", "\x1b[36m", "\x1b[32m", "\x1b[0m"};
}

const char* severity_color(const Colors& c, Severity s) {
  switch (s) {
    case Severity::Error: return c.red;
    case Severity::Warning: return c.yellow;
    case Severity::Notice: return c.cyan;
  }
  return "";
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

void write_text(std::ostream& out, const LintResult& result, const ReportInfo& info) {
  const Colors c = colors(info.color);
  for (const ParseError& e : result.errors) {
    out << c.bold << e.where.file;
    if (e.where.line > 0) out << ":" << e.where.line << ":" << e.where.column;
    out << ":" << c.reset << " " << c.red << c.bold << "parse error" << c.reset << ": " << e.message << "\n\n";
  }
  for (const Finding& f : result.findings) {
    out << c.bold << f.where.file << ":" << f.where.line << ":" << f.where.column << ":" << c.reset << " "
        << severity_color(c, f.severity) << c.bold << to_string(f.severity) << c.reset << " [" << f.rule << "] "
        << f.message << "\n";
    if (!f.statement.empty()) {
      std::string s = f.statement;
      for (char& ch : s) {
        if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
      }
      out << "  " << c.dim << "statement:" << c.reset << " " << s << "\n";
    }
    std::string effect;
    if (!f.lock.empty()) effect = f.lock + ", blocks " + f.blocks;
    if (f.rewrites_table) effect += std::string(effect.empty() ? "" : "; ") + "rewrites the table";
    else if (f.scans_table) effect += std::string(effect.empty() ? "" : "; ") + "scans the table";
    if (!effect.empty()) out << "  " << c.dim << "lock:" << c.reset << " " << effect << "\n";
    for (const std::string& n : f.notes) out << "  " << c.dim << "note:" << c.reset << " " << n << "\n";
    if (!f.safe_alternative.empty()) {
      out << "  " << c.green << "safe way:" << c.reset << " " << f.safe_alternative << "\n";
    }
    out << "\n";
  }
  SeverityCounts n = count_severities(result);
  out << c.bold << plural(n.error, "error") << ", " << plural(n.warning, "warning") << ", "
      << plural(n.notice, "notice");
  if (!result.errors.empty()) out << ", " << plural(result.errors.size(), "file") << " not parsed";
  out << " in " << plural(info.files, "file") << c.reset << "\n";
}

}  // namespace sluice::schema::lint
