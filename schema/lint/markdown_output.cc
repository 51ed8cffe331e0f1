// A pull-request comment body: a summary line, then each file's findings as a list with the
// statement in a code block and the safe way.
#include <map>

#include "schema/lint/lint_output.h"

namespace sluice::schema::lint {

namespace {

const char* badge(Severity s) {
  switch (s) {
    case Severity::Error: return "**error**";
    case Severity::Warning: return "**warning**";
    case Severity::Notice: return "notice";
  }
  return "";
}

// Inline text: keep Markdown from reading * _ ` | < as markup.
std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '_' || c == '`' || c == '|' || c == '<' || c == '>' || c == '[' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

void write_markdown(std::ostream& out, const LintResult& result, const ReportInfo& info) {
  SeverityCounts n = count_severities(result);
  out << "### sluice lint\n\n";
  if (result.findings.empty() && result.errors.empty()) {
    out << "No problems found in " << info.files << " migration file" << (info.files == 1 ? "" : "s") << ".\n";
    return;
  }
  out << n.error << " error(s), " << n.warning << " warning(s), " << n.notice << " notice(s)";
  if (!result.errors.empty()) out << ", " << result.errors.size() << " file(s) that do not parse";
  out << " in " << info.files << " file(s).\n\n";
  for (const ParseError& e : result.errors) {
    out << "- **parse error** `" << e.where.file;
    if (e.where.line > 0) out << ":" << e.where.line << ":" << e.where.column;
    out << "`: " << escape(e.message) << "\n";
  }
  if (!result.errors.empty()) out << "\n";
  std::map<std::string, std::vector<const Finding*>> by_file;
  std::vector<std::string> order;
  for (const Finding& f : result.findings) {
    if (by_file.count(f.where.file) == 0) order.push_back(f.where.file);
    by_file[f.where.file].push_back(&f);
  }
  for (const std::string& file : order) {
    out << "#### `" << file << "`\n\n";
    for (const Finding* f : by_file[file]) {
      out << "- " << badge(f->severity) << " `" << f->rule << "` at line " << f->where.line << ", column "
          << f->where.column << ": " << escape(f->message) << "\n";
      if (!f->statement.empty()) {
        out << "  ```sql\n  ";
        for (char c : f->statement) {
          out << c;
          if (c == '\n') out << "  ";
        }
        out << "\n  ```\n";
      }
      if (!f->lock.empty()) {
        out << "  Lock: " << f->lock << " (blocks " << f->blocks << ")";
        if (f->rewrites_table) out << "; rewrites the table";
        else if (f->scans_table) out << "; scans the table";
        out << "\n";
      }
      for (const std::string& note : f->notes) out << "  Note: " << escape(note) << "\n";
      if (!f->safe_alternative.empty()) out << "  Safe way: " << escape(f->safe_alternative) << "\n";
    }
    out << "\n";
  }
}

}  // namespace sluice::schema::lint
