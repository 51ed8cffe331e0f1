#include "sql/statement_info.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "sql/parse_tree.h"
#include "sql/sql_lexer.h"

namespace sluice::sql {

std::string_view to_string(StatementKind kind) {
  switch (kind) {
    case StatementKind::Read: return "read";
    case StatementKind::Write: return "write";
    case StatementKind::Ddl: return "ddl";
    case StatementKind::TransactionControl: return "transaction";
    case StatementKind::Utility: return "utility";
    case StatementKind::Unknown: return "unknown";
  }
  return "unknown";
}

namespace {

using parse_tree::bool_field;
using parse_tree::int_field;
using parse_tree::Json;
using parse_tree::string_field;
using parse_tree::unwrap;

// Deeper trees are not walked further (PostgreSQL's own stack check keeps real ones far below).
constexpr int kMaxDepth = 1000;

template <std::size_t N>
bool one_of(std::string_view s, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

// ---------------------------------------------------------------------------------------------
// From libpg_query's JSON parse tree (sql/parse_tree.h).

constexpr std::array<std::string_view, 4> kModifyingStatements = {"InsertStmt", "UpdateStmt", "DeleteStmt",
                                                                  "MergeStmt"};
// May change data though they are no DML: run procedures or code, rewrite a materialized view.
constexpr std::array<std::string_view, 3> kMayWriteStatements = {"CallStmt", "DoStmt", "RefreshMatViewStmt"};
constexpr std::array<std::string_view, 21> kUtilityStatements = {
    "VariableSetStmt", "VariableShowStmt", "ExplainStmt",    "VacuumStmt",   "ListenStmt",
    "UnlistenStmt",    "NotifyStmt",       "DiscardStmt",    "PrepareStmt",  "ExecuteStmt",
    "DeallocateStmt",  "CheckPointStmt",   "LockStmt",       "LoadStmt",     "ClusterStmt",
    "ReindexStmt",     "DeclareCursorStmt", "FetchStmt",     "ClosePortalStmt", "ConstraintsSetStmt",
    "AlterSystemStmt",
};
// DDL beyond the Create*, Alter* and Drop* statements.
constexpr std::array<std::string_view, 13> kOtherDdlStatements = {
    "TruncateStmt",      "IndexStmt",  "ViewStmt",      "RenameStmt",          "CommentStmt",
    "GrantStmt",         "GrantRoleStmt", "RuleStmt",   "CompositeTypeStmt",   "DefineStmt",
    "SecLabelStmt",      "ReassignOwnedStmt", "ImportForeignSchemaStmt",
};
// DROP of these object types names relations.
constexpr std::array<std::string_view, 4> kDroppedRelations = {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW",
                                                               "OBJECT_FOREIGN_TABLE"};

// Whether a SELECT writes: SELECT INTO, FOR UPDATE / SHARE anywhere, or a data-modifying
// statement anywhere (PostgreSQL allows those only in WITH).
bool select_writes(const Json& node, int depth) {
  if (depth > kMaxDepth) return false;
  if (node.is_array()) {
    for (const Json& item : node) {
      if (select_writes(item, depth + 1)) return true;
    }
    return false;
  }
  if (!node.is_object()) return false;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& key = it.key();
    if (key == "intoClause" && it->is_object()) return true;
    if (key == "lockingClause" && it->is_array() && !it->empty()) return true;
    if (one_of(key, kModifyingStatements)) return true;
    if (select_writes(it.value(), depth + 1)) return true;
  }
  return false;
}

StatementKind classify_node(std::string_view type, const Json& body) {
  if (type == "SelectStmt") return select_writes(body, 0) ? StatementKind::Write : StatementKind::Read;
  if (one_of(type, kModifyingStatements) || one_of(type, kMayWriteStatements)) return StatementKind::Write;
  if (type == "CopyStmt") return bool_field(body, "is_from") ? StatementKind::Write : StatementKind::Read;
  if (type == "TransactionStmt") return StatementKind::TransactionControl;
  if (one_of(type, kUtilityStatements)) return StatementKind::Utility;
  if (one_of(type, kOtherDdlStatements) || type.starts_with("Create") || type.starts_with("Alter") ||
      type.starts_with("Drop")) {
    return StatementKind::Ddl;
  }
  return StatementKind::Unknown;
}

// Collects RangeVars with their offsets in the text, so that the result follows the text
// whatever order the tree's fields come in. Names bound by WITH are tracked in scope: a
// RangeVar that names a visible WITH query is not a table.
class TreeTables {
 public:
  void collect(const Json& node, int depth) {
    if (depth > kMaxDepth) return;
    if (node.is_array()) {
      for (const Json& item : node) collect(item, depth + 1);
      return;
    }
    if (!node.is_object()) return;
    if (const std::string* relname = string_field(node, "relname")) {
      add_range_var(node, *relname);
      return;
    }
    const std::size_t scope = ctes_.size();
    auto with = node.find("withClause");
    if (with != node.end() && with->is_object()) enter_with(*with, depth);
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() != "withClause") collect(it.value(), depth + 1);
    }
    ctes_.resize(scope);
  }

  // DROP TABLE a, s.b: names as lists of strings, not RangeVars.
  void add_drop_objects(const Json& drop, int64_t location) {
    const std::string* remove_type = string_field(drop, "removeType");
    if (remove_type == nullptr || !one_of(std::string_view(*remove_type), kDroppedRelations)) return;
    auto objects = drop.find("objects");
    if (objects == drop.end() || !objects->is_array()) return;
    for (const Json& object : *objects) {
      const Json& list = unwrap(object, "List");
      auto items = list.find("items");
      if (items == list.end() || !items->is_array()) continue;
      std::string name;
      for (const Json& item : *items) {
        const std::string* part = string_field(unwrap(item, "String"), "sval");
        if (part == nullptr) continue;
        if (!name.empty()) name += '.';
        name += *part;
      }
      if (!name.empty()) refs_.push_back(Ref{location, std::move(name)});
    }
  }

  std::vector<std::string> finish() {
    std::stable_sort(refs_.begin(), refs_.end(), [](const Ref& a, const Ref& b) { return a.location < b.location; });
    std::vector<std::string> tables;
    for (Ref& ref : refs_) {
      if (std::find(tables.begin(), tables.end(), ref.name) == tables.end()) tables.push_back(std::move(ref.name));
    }
    return tables;
  }

 private:
  struct Ref {
    int64_t location;
    std::string name;
  };

  void enter_with(const Json& with, int depth) {
    auto ctes = with.find("ctes");
    if (ctes == with.end() || !ctes->is_array()) return;
    // WITH RECURSIVE: every name is visible in every WITH query. Otherwise a name is visible
    // after its own definition.
    const bool recursive = bool_field(with, "recursive");
    if (recursive) {
      for (const Json& cte : *ctes) add_cte_name(unwrap(cte, "CommonTableExpr"));
    }
    for (const Json& cte : *ctes) {
      const Json& body = unwrap(cte, "CommonTableExpr");
      auto query = body.find("ctequery");
      if (query != body.end()) collect(*query, depth + 1);
      if (!recursive) add_cte_name(body);
    }
  }

  void add_cte_name(const Json& cte) {
    if (const std::string* name = string_field(cte, "ctename")) ctes_.push_back(*name);
  }

  void add_range_var(const Json& node, const std::string& relname) {
    const std::string* catalog = string_field(node, "catalogname");
    const std::string* schema = string_field(node, "schemaname");
    if (catalog == nullptr && schema == nullptr &&
        std::find(ctes_.begin(), ctes_.end(), relname) != ctes_.end()) {
      return;
    }
    std::string name;
    if (catalog != nullptr) name += *catalog + '.';
    if (schema != nullptr) name += *schema + '.';
    name += relname;
    refs_.push_back(Ref{int_field(node, "location"), std::move(name)});
  }

  std::vector<Ref> refs_;
  std::vector<std::string> ctes_;
};

StatementInfo describe_tree(const Json& root) {
  StatementInfo info;
  info.parsed = true;
  auto stmts = root.find("stmts");
  if (stmts == root.end() || !stmts->is_array()) return info;
  TreeTables tables;
  bool first = true;
  for (const Json& raw : *stmts) {
    auto stmt = raw.find("stmt");
    if (stmt == raw.end() || !stmt->is_object() || stmt->empty()) continue;
    const std::string& type = stmt->begin().key();
    const Json& body = stmt->begin().value();
    if (first) {
      info.kind = classify_node(type, body);
      first = false;
    }
    if (type == "DropStmt") tables.add_drop_objects(body, int_field(raw, "stmt_location"));
    tables.collect(*stmt, 0);
  }
  info.tables = tables.finish();
  return info;
}


// ---------------------------------------------------------------------------------------------
// From keywords, when the parser rejects the text.

bool is_word(const Token& t, std::string_view upper_keyword) {
  return t.kind == TokenKind::Word && word_equals(t.text, upper_keyword);
}
bool is_punct(const Token& t, std::string_view p) { return t.kind == TokenKind::Punctuation && t.text == p; }

bool any_word(const std::vector<Token>& tokens, std::size_t begin, std::size_t end,
              std::initializer_list<std::string_view> words) {
  for (std::size_t i = begin; i < end; ++i) {
    for (std::string_view w : words) {
      if (is_word(tokens[i], w)) return true;
    }
  }
  return false;
}

// FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE.
bool has_locking_clause(const std::vector<Token>& tokens, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i + 1 < end; ++i) {
    if (is_word(tokens[i], "FOR") &&
        (is_word(tokens[i + 1], "UPDATE") || is_word(tokens[i + 1], "SHARE") || is_word(tokens[i + 1], "NO") ||
         is_word(tokens[i + 1], "KEY"))) {
      return true;
    }
  }
  return false;
}

bool word_at_top_level(const std::vector<Token>& tokens, std::size_t begin, std::size_t end,
                       std::string_view upper_keyword) {
  int depth = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (is_punct(tokens[i], "(")) ++depth;
    else if (is_punct(tokens[i], ")")) --depth;
    else if (depth == 0 && is_word(tokens[i], upper_keyword)) return true;
  }
  return false;
}

StatementKind classify_tokens(const std::vector<Token>& tokens) {
  std::size_t begin = 0;
  while (begin < tokens.size() && (is_punct(tokens[begin], ";") || is_punct(tokens[begin], "("))) ++begin;
  std::size_t end = begin;
  while (end < tokens.size() && !is_punct(tokens[end], ";")) ++end;
  if (begin == end || tokens[begin].kind != TokenKind::Word) return StatementKind::Unknown;
  const Token& first = tokens[begin];
  const bool has_next = begin + 1 < end;

  if (is_word(first, "SELECT") || is_word(first, "VALUES") || is_word(first, "TABLE") || is_word(first, "WITH")) {
    if (any_word(tokens, begin, end, {"INSERT", "UPDATE", "DELETE", "MERGE"}) ||
        has_locking_clause(tokens, begin, end) ||
        (is_word(first, "SELECT") && word_at_top_level(tokens, begin, end, "INTO"))) {
      return StatementKind::Write;
    }
    return StatementKind::Read;
  }
  for (std::string_view w : {"INSERT", "UPDATE", "DELETE", "MERGE", "CALL", "DO", "REFRESH"}) {
    if (is_word(first, w)) return StatementKind::Write;
  }
  if (is_word(first, "COPY")) {
    return word_at_top_level(tokens, begin + 1, end, "FROM") ? StatementKind::Write : StatementKind::Read;
  }
  if (is_word(first, "ALTER") && has_next && is_word(tokens[begin + 1], "SYSTEM")) return StatementKind::Utility;
  for (std::string_view w : {"CREATE", "ALTER", "DROP", "TRUNCATE", "COMMENT", "GRANT", "REVOKE", "SECURITY",
                             "REASSIGN", "IMPORT"}) {
    if (is_word(first, w)) return StatementKind::Ddl;
  }
  if (is_word(first, "PREPARE")) {
    return has_next && is_word(tokens[begin + 1], "TRANSACTION") ? StatementKind::TransactionControl
                                                                   : StatementKind::Utility;
  }
  for (std::string_view w : {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"}) {
    if (is_word(first, w)) return StatementKind::TransactionControl;
  }
  for (std::string_view w : {"SET", "RESET", "SHOW", "EXPLAIN", "VACUUM", "ANALYZE", "ANALYSE", "LISTEN",
                             "UNLISTEN", "NOTIFY", "DISCARD", "EXECUTE", "DEALLOCATE", "CHECKPOINT", "LOCK",
                             "LOAD", "CLUSTER", "REINDEX", "DECLARE", "FETCH", "CLOSE", "MOVE"}) {
    if (is_word(first, w)) return StatementKind::Utility;
  }
  return StatementKind::Unknown;
}

bool is_name_token(const Token& t) {
  return (t.kind == TokenKind::Word && !is_keyword(t.text)) || t.kind == TokenKind::QuotedIdentifier;
}

// An identifier as PostgreSQL reads it: unquoted folded to lower case, quoted taken literally.
std::string identifier(const Token& t) {
  std::string out;
  if (t.kind == TokenKind::QuotedIdentifier && t.text.size() >= 2 && t.text.front() == '"') {
    std::string_view body = t.text.substr(1, t.text.size() - (t.terminated ? 2 : 1));
    for (std::size_t i = 0; i < body.size(); ++i) {
      out += body[i];
      if (body[i] == '"' && i + 1 < body.size() && body[i + 1] == '"') ++i;
    }
    return out;
  }
  for (char c : t.text) out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return out;
}

class KeywordTables {
 public:
  explicit KeywordTables(const std::vector<Token>& tokens) : tokens_(tokens) {}

  std::vector<std::string> run() {
    find_cte_names();
    std::vector<bool> function_parens;  // for each open '(': is it a function call's?
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
      const Token& t = tokens_[i];
      if (is_punct(t, "(")) {
        function_parens.push_back(i > 0 && is_name_token(tokens_[i - 1]));
      } else if (is_punct(t, ")")) {
        if (!function_parens.empty()) function_parens.pop_back();
      } else if (is_word(t, "FROM")) {
        // Not the FROM of EXTRACT(x FROM y), SUBSTRING(x FROM 1), TRIM(... FROM y).
        if (function_parens.empty() || !function_parens.back()) read_names(i + 1, true);
      } else if (is_word(t, "TABLE") || is_word(t, "TRUNCATE")) {
        read_names(i + 1, true);
      } else if (is_word(t, "JOIN") || is_word(t, "INTO") || is_word(t, "UPDATE") || is_word(t, "COPY")) {
        read_names(i + 1, false);
      }
    }
    return std::move(tables_);
  }

 private:
  // "WITH name AS (" and ", name AS (": names of WITH queries, which are not tables.
  void find_cte_names() {
    for (std::size_t i = 1; i + 2 < tokens_.size(); ++i) {
      const Token& prev = tokens_[i - 1];
      if ((is_word(prev, "WITH") || is_word(prev, "RECURSIVE") || is_punct(prev, ",")) &&
          is_name_token(tokens_[i]) && is_word(tokens_[i + 1], "AS") &&
          (is_punct(tokens_[i + 2], "(") || is_word(tokens_[i + 2], "MATERIALIZED") ||
           is_word(tokens_[i + 2], "NOT"))) {
        ctes_.push_back(identifier(tokens_[i]));
      }
    }
  }

  void read_names(std::size_t j, bool list) {
    for (;;) {
      while (j < tokens_.size() && (is_word(tokens_[j], "ONLY") || is_word(tokens_[j], "IF") ||
                                    is_word(tokens_[j], "NOT") || is_word(tokens_[j], "EXISTS"))) {
        ++j;
      }
      if (j >= tokens_.size() || !is_name_token(tokens_[j])) return;
      std::string name = identifier(tokens_[j]);
      bool qualified = false;
      ++j;
      while (j + 1 < tokens_.size() && is_punct(tokens_[j], ".") && is_name_token(tokens_[j + 1])) {
        name += '.';
        name += identifier(tokens_[j + 1]);
        qualified = true;
        j += 2;
      }
      add(std::move(name), qualified);
      if (!list) return;
      // Skip "*", "[AS] alias", then continue after a comma.
      if (j < tokens_.size() && tokens_[j].kind == TokenKind::Operator && tokens_[j].text == "*") ++j;
      if (j < tokens_.size() && is_word(tokens_[j], "AS")) ++j;
      if (j < tokens_.size() && is_name_token(tokens_[j])) ++j;
      if (j >= tokens_.size() || !is_punct(tokens_[j], ",")) return;
      ++j;
    }
  }

  void add(std::string name, bool qualified) {
    if (!qualified && std::find(ctes_.begin(), ctes_.end(), name) != ctes_.end()) return;
    if (std::find(tables_.begin(), tables_.end(), name) == tables_.end()) tables_.push_back(std::move(name));
  }

  const std::vector<Token>& tokens_;
  std::vector<std::string> ctes_;
  std::vector<std::string> tables_;
};

}  // namespace

StatementInfo describe_by_lexer(std::string_view query) noexcept {
  try {
    std::vector<Token> tokens;
    SqlLexer lexer(query);
    Token t{};
    while (lexer.next(t)) {
      if (t.kind != TokenKind::Comment) tokens.push_back(t);
    }
    StatementInfo info;
    info.kind = classify_tokens(tokens);
    info.tables = KeywordTables(tokens).run();
    info.parsed = false;
    return info;
  } catch (...) {
    return StatementInfo{};
  }
}

StatementInfo describe_postgres(std::string_view query) noexcept {
  try {
    const Json tree = parse_tree::parse_postgres(query);
    if (!tree.is_discarded()) return describe_tree(tree);
  } catch (...) {
    // Fall through to the keywords.
  }
  return describe_by_lexer(query);
}

}  // namespace sluice::sql
