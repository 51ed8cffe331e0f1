#include "schema/lint/migration_file.h"

#include <algorithm>
#include <cctype>

namespace sluice::schema::lint {

LineIndex::LineIndex(std::string_view text) {
  starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

int LineIndex::line_of(std::size_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  return static_cast<int>(it - starts_.begin());
}

int LineIndex::column_of(std::size_t offset) const {
  int line = line_of(offset);
  return static_cast<int>(offset - starts_[static_cast<std::size_t>(line - 1)]) + 1;
}

std::size_t byte_offset_of_char(std::string_view text, int char_position) {
  int chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // Continuation bytes (10xxxxxx) do not start a character.
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++chars == char_position) return i;
  }
  return text.size();
}

namespace {

constexpr std::string_view kIgnore = "sluice:ignore";
constexpr std::string_view kIgnoreFile = "sluice:ignore-file";

bool is_id_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_'; }

// "rule-a, rule-b  rule-c" -> ids; stops at the end of the line or at a character that cannot be
// in an id (so "*/" or a trailing explanation after "--" ends the list).
RuleSet parse_rule_list(std::string_view rest) {
  RuleSet set;
  std::size_t i = 0;
  while (i < rest.size()) {
    char c = rest[i];
    if (c == '\n') break;
    if (c == ' ' || c == '\t' || c == ',' || c == '\r') {
      ++i;
      continue;
    }
    if (!is_id_char(c)) break;
    std::size_t start = i;
    while (i < rest.size() && is_id_char(rest[i])) ++i;
    std::string id(rest.substr(start, i - start));
    if (id == "--") break;
    if (id == "all") {
      set.all = true;
    } else {
      set.ids.insert(std::move(id));
    }
  }
  if (set.ids.empty()) set.all = true;
  return set;
}

}  // namespace

std::vector<IgnoreDirective> find_ignore_directives(const LineIndex& lines, const std::vector<CommentSpan>& comments) {
  std::vector<IgnoreDirective> out;
  for (const CommentSpan& c : comments) {
    std::string_view body = c.text;
    // Strip the delimiters and leading blanks: "--", "#", "/*".
    std::size_t i = 0;
    if (body.starts_with("--")) i = 2;
    else if (body.starts_with("/*")) i = 2;
    else if (body.starts_with("#")) i = 1;
    while (i < body.size() && (body[i] == ' ' || body[i] == '\t')) ++i;
    std::string_view rest = body.substr(i);
    if (!rest.starts_with(kIgnore)) continue;
    IgnoreDirective d;
    d.offset = c.offset;
    d.line = lines.line_of(c.offset);
    if (rest.starts_with(kIgnoreFile)) {
      d.file_level = true;
      rest.remove_prefix(kIgnoreFile.size());
    } else {
      rest.remove_prefix(kIgnore.size());
      if (!rest.empty() && is_id_char(rest[0])) continue;  // "sluice:ignored", not ours
    }
    d.rules = parse_rule_list(rest);
    out.push_back(std::move(d));
  }
  return out;
}

MigrationFile::MigrationFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)), lines_(text_) {}

SourceLocation MigrationFile::location(std::size_t offset) const {
  offset = std::min(offset, text_.size());
  return SourceLocation{path_, lines_.line_of(offset), lines_.column_of(offset)};
}

std::string MigrationFile::excerpt(const StatementSpan& span) const {
  constexpr std::size_t kMax = 200;
  std::size_t begin = std::min(span.begin, text_.size());
  std::size_t end = std::min(std::max(span.end, begin), text_.size());
  while (begin < end && std::isspace(static_cast<unsigned char>(text_[begin])) != 0) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text_[end - 1])) != 0) --end;
  if (end - begin <= kMax) return text_.substr(begin, end - begin);
  std::size_t cut = begin + kMax;
  while (cut > begin && (static_cast<unsigned char>(text_[cut]) & 0xC0) == 0x80) --cut;
  return text_.substr(begin, cut - begin) + "...";
}

namespace {
void merge(RuleSet& into, const RuleSet& from) {
  into.all = into.all || from.all;
  into.ids.insert(from.ids.begin(), from.ids.end());
}
}  // namespace

void MigrationFile::set_statements(std::vector<StatementSpan> spans, const std::vector<IgnoreDirective>& directives) {
  statements_ = std::move(spans);
  for (const IgnoreDirective& d : directives) {
    if (d.file_level) {
      merge(file_ignored_, d.rules);
      continue;
    }
    // The statement this directive belongs to: one whose text holds it, one that ends on the
    // directive's line before it (a trailing comment), else the next statement after it.
    std::size_t target = statements_.size();
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      const StatementSpan& s = statements_[i];
      if (d.offset >= s.begin && d.offset < s.end) {
        target = i;
        break;
      }
      if (s.end <= d.offset && lines_.line_of(s.end > 0 ? s.end - 1 : 0) == d.line &&
          (i + 1 == statements_.size() || statements_[i + 1].begin > d.offset)) {
        target = i;
        break;
      }
      if (s.begin > d.offset) {
        target = i;
        break;
      }
    }
    if (target < statements_.size()) merge(statements_[target].ignored, d.rules);
  }
}

bool MigrationFile::is_ignored(std::string_view rule, std::size_t index) const {
  if (file_ignored_.contains(rule)) return true;
  return index < statements_.size() && statements_[index].ignored.contains(rule);
}

}  // namespace sluice::schema::lint
