#include "schema/lint/linter.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "schema/lint/migration_file.h"
#include "schema/lint/pg_parse.h"
#include "schema/lint/pg_rules.h"

#include "schema/lint/mysql_lint.h"

namespace sluice::schema::lint {

namespace {

// Config excludes and severity overrides; false when the finding is dropped.
bool apply_config(Finding& f, const LintConfig& config) {
  if (config.exclude_rules.count(f.rule) != 0) return false;
  if (auto it = config.severity.find(f.rule); it != config.severity.end()) f.severity = it->second;
  return true;
}

void sort_by_position(std::vector<Finding>& findings, std::size_t from) {
  std::stable_sort(findings.begin() + static_cast<long>(from), findings.end(), [](const Finding& a, const Finding& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
}

// Whether the finding's table is created by statement `index` or an earlier one in the file.
bool table_created_in_file(const PgMigration& migration, const Finding& f, std::size_t index) {
  if (f.table.empty()) return false;
  QualifiedName name;
  if (std::size_t dot = f.table.find('.'); dot != std::string::npos) {
    name.schema = f.table.substr(0, dot);
    name.name = f.table.substr(dot + 1);
  } else {
    name.name = f.table;
  }
  const auto& sts = migration.statements();
  if (index < sts.size() && (sts[index].kind == PgKind::CreateTable || sts[index].kind == PgKind::CreateTableAs) &&
      sts[index].table.same(name)) {
    return true;
  }
  return migration.created_before(name, index);
}

bool read_file(const std::string& path, std::string& out, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "is a directory";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::filesystem::exists(path, ec) ? "cannot read" : "no such file";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

}  // namespace

void lint_pg_text(const std::string& path, const std::string& text, const LintOptions& options, LintResult& out) {
  MigrationFile file(path, text);
  PgParseTree tree;
  if (std::optional<ParseError> error = parse_pg_file(file, tree)) {
    out.errors.push_back(std::move(*error));
    return;
  }
  PgMigration migration(file, tree, options.postgres);
  std::size_t first = out.findings.size();
  for (RuleHit& hit : run_pg_rules(migration)) {
    if (file.is_ignored(hit.finding.rule, hit.statement)) continue;
    if (!apply_config(hit.finding, options.config)) continue;
    hit.finding.table_is_new = table_created_in_file(migration, hit.finding, hit.statement);
    out.findings.push_back(std::move(hit.finding));
  }
  sort_by_position(out.findings, first);
}

std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = std::filesystem::recursive_directory_iterator(p, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".sql") found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  return files;
}

LintResult lint_paths(const std::vector<std::string>& paths, const LintOptions& options, std::size_t* files_linted) {
  LintResult result;
  std::size_t linted = 0;
  for (const std::string& path : expand_paths(paths)) {
    if (options.config.path_excluded(path)) continue;
    std::string text, error;
    if (!read_file(path, text, error)) {
      result.errors.push_back(ParseError{SourceLocation{path, 0, 0}, error});
      continue;
    }
    ++linted;
    if (options.dialect == Dialect::Postgres) {
      lint_pg_text(path, text, options, result);
      continue;
    }
    LintResult one;
    MysqlLintOptions mysql_options;
    if (options.mysql8) mysql_options.flavor = mysql::Flavor::MySQL8;
    lint_mysql_file(path, text, one, mysql_options);
    std::size_t first = result.findings.size();
    for (Finding& f : one.findings) {
      if (apply_config(f, options.config)) result.findings.push_back(std::move(f));
    }
    sort_by_position(result.findings, first);
    result.errors.insert(result.errors.end(), one.errors.begin(), one.errors.end());
  }
  if (files_linted != nullptr) *files_linted = linted;
  return result;
}

}  // namespace sluice::schema::lint
