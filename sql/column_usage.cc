#include "sql/column_usage.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sql/parse_tree.h"

namespace sluice::sql {

std::string_view to_string(ColumnRole role) {
  switch (role) {
    case ColumnRole::Equality: return "equality";
    case ColumnRole::Range: return "range";
    case ColumnRole::Join: return "join";
    case ColumnRole::OrderBy: return "order-by";
    case ColumnRole::GroupBy: return "group-by";
  }
  return "equality";
}

namespace {

using parse_tree::array_field;
using parse_tree::as;
using parse_tree::field;
using parse_tree::Json;
using parse_tree::string_field;
using parse_tree::string_field_is;
using parse_tree::string_value;
using parse_tree::unwrap;

// Deeper trees are not walked further (PostgreSQL's own stack check keeps real ones far below).
constexpr int kMaxDepth = 500;

// An operator name ("=", "<", "~~") held in a list field: the last item of a qualified name.
std::string operator_name_of(const Json& node, const char* list_field) {
  const Json* names = array_field(node, list_field);
  if (names == nullptr || names->empty()) return {};
  return string_value(names->back());
}

std::string operator_name(const Json& a_expr) { return operator_name_of(a_expr, "name"); }

// A value that is fixed for the execution of the query: literals, parameters, casts of those,
// and calls, arithmetic and arrays built only from those (now(), now() - interval '1 day',
// ARRAY[1, 2], CURRENT_DATE). No column reference, no subquery.
bool is_constant(const Json& node, int depth) {
  if (depth > kMaxDepth || !node.is_object()) return false;
  if (as(node, "A_Const") != nullptr || as(node, "ParamRef") != nullptr || as(node, "SQLValueFunction") != nullptr) {
    return true;
  }
  if (const Json* cast = as(node, "TypeCast")) {
    const Json* arg = field(*cast, "arg");
    return arg != nullptr && is_constant(*arg, depth + 1);
  }
  if (const Json* call = as(node, "FuncCall")) {
    if (field(*call, "agg_star") != nullptr || field(*call, "over") != nullptr) return false;
    if (const Json* args = array_field(*call, "args")) {
      for (const Json& arg : *args) {
        if (!is_constant(arg, depth + 1)) return false;
      }
    }
    return true;
  }
  if (const Json* expr = as(node, "A_Expr")) {
    if (!string_field_is(*expr, "kind", "AEXPR_OP")) return false;
    const Json* l = field(*expr, "lexpr");
    const Json* r = field(*expr, "rexpr");
    return (l == nullptr || is_constant(*l, depth + 1)) && (r == nullptr || is_constant(*r, depth + 1));
  }
  if (const Json* array = as(node, "A_ArrayExpr")) {
    if (const Json* elements = array_field(*array, "elements")) {
      for (const Json& e : *elements) {
        if (!is_constant(e, depth + 1)) return false;
      }
    }
    return true;
  }
  if (const Json* list = as(node, "List")) {
    if (const Json* items = array_field(*list, "items")) {
      for (const Json& e : *items) {
        if (!is_constant(e, depth + 1)) return false;
      }
    }
    return true;
  }
  return false;
}

// A LIKE pattern an index range scan can use: a string literal (possibly cast) that does not
// start with a wildcard.
bool is_prefix_pattern(const Json& node) {
  const Json* n = &node;
  while (const Json* cast = as(*n, "TypeCast")) {
    n = field(*cast, "arg");
    if (n == nullptr) return false;
  }
  const Json* c = as(*n, "A_Const");
  if (c == nullptr) return false;
  const Json* sval = field(*c, "sval");
  if (sval == nullptr) return false;
  const std::string* text = string_field(*sval, "sval");
  if (text == nullptr || text->empty()) return false;
  const char first = (*text)[0];
  return first != '%' && first != '_';
}

// A relation of a FROM list: a table (as written) or something else with a name (a WITH query,
// a subquery, a function), which columns can be qualified with but which is no table.
struct Relation {
  std::string ref_name;  // the alias, else the relation's own name: what columns are qualified with
  std::string written;   // "orders" or "sales.orders"; empty when no table
  bool aliased = false;
};

struct Frame {
  std::vector<Relation> relations;
  int scope = 0;
  std::vector<std::string> ctes;  // WITH query names bound at this level
};

// A column reference resolved to its relation.
struct Resolved {
  bool ok = false;
  std::string table;                  // empty when ambiguous
  std::vector<std::string> candidates;  // when ambiguous
  std::string column;
  // Identity of the relation (frame, index); frame < 0 when ambiguous.
  int frame = -1;
  int relation = -1;
};

bool same_relation(const Resolved& a, const Resolved& b) {
  return a.frame >= 0 && a.frame == b.frame && a.relation == b.relation;
}

class Walker {
 public:
  ColumnUsage run(const Json& root) {
    ColumnUsage usage;
    usage.parsed = true;
    const Json* stmts = array_field(root, "stmts");
    if (stmts == nullptr) return usage;
    for (const Json& raw : *stmts) {
      const Json* stmt = field(raw, "stmt");
      if (stmt == nullptr || !stmt->is_object()) continue;
      statement(*stmt, std::nullopt, 0);
    }
    usage.uses = std::move(uses_);
    usage.tables = std::move(tables_);
    usage.updated_columns = std::move(updated_);
    return usage;
  }

 private:
  // Any statement node: SELECT, INSERT, UPDATE, DELETE; others are ignored.
  void statement(const Json& node, std::optional<int> scope, int depth) {
    if (depth > kMaxDepth) return;
    if (const Json* select = as(node, "SelectStmt")) {
      select_stmt(*select, scope, depth + 1);
    } else if (const Json* insert = as(node, "InsertStmt")) {
      insert_stmt(*insert, scope, depth + 1);
    } else if (const Json* update = as(node, "UpdateStmt")) {
      update_stmt(*update, scope, depth + 1);
    } else if (const Json* del = as(node, "DeleteStmt")) {
      delete_stmt(*del, scope, depth + 1);
    } else if (const Json* explain = as(node, "ExplainStmt")) {
      if (const Json* query = field(*explain, "query")) statement(*query, scope, depth + 1);
    }
  }

  int next_scope() { return scope_counter_++; }

  // Pushes a frame for one statement level; pops it on destruction.
  class FrameGuard {
   public:
    FrameGuard(Walker& w, int scope) : w_(w) {
      w_.frames_.push_back(Frame{});
      w_.frames_.back().scope = scope;
    }
    ~FrameGuard() { w_.frames_.pop_back(); }
    FrameGuard(const FrameGuard&) = delete;
    FrameGuard& operator=(const FrameGuard&) = delete;

   private:
    Walker& w_;
  };

  Frame& frame() { return frames_.back(); }

  void with_clause(const Json& stmt, int depth) {
    const Json* with = field(stmt, "withClause");
    if (with == nullptr) return;
    const Json& body = unwrap(*with, "WithClause");
    const Json* ctes = array_field(body, "ctes");
    if (ctes == nullptr) return;
    const bool recursive = field(body, "recursive") != nullptr;
    if (recursive) {
      for (const Json& cte : *ctes) add_cte_name(unwrap(cte, "CommonTableExpr"));
    }
    for (const Json& cte : *ctes) {
      const Json& def = unwrap(cte, "CommonTableExpr");
      if (const Json* query = field(def, "ctequery")) statement(*query, std::nullopt, depth + 1);
      if (!recursive) add_cte_name(def);
    }
  }

  void add_cte_name(const Json& cte) {
    if (const std::string* name = string_field(cte, "ctename")) frame().ctes.push_back(*name);
  }

  bool is_cte(const std::string& name) const {
    for (auto f = frames_.rbegin(); f != frames_.rend(); ++f) {
      if (std::find(f->ctes.begin(), f->ctes.end(), name) != f->ctes.end()) return true;
    }
    return false;
  }

  void select_stmt(const Json& s, std::optional<int> given_scope, int depth) {
    const int scope = given_scope ? *given_scope : next_scope();
    const bool semi_join = std::exchange(pending_semi_join_, false);
    const std::string* op = string_field(s, "op");
    if (op != nullptr && *op != "SETOP_NONE") {
      // UNION / INTERSECT / EXCEPT: each branch is a level of its own; the first keeps this
      // level's number. ORDER BY of the whole names output columns, not tables: not recorded.
      FrameGuard guard(*this, scope);
      with_clause(s, depth);
      if (const Json* l = field(s, "larg")) select_stmt(unwrap(*l, "SelectStmt"), scope, depth + 1);
      if (const Json* r = field(s, "rarg")) select_stmt(unwrap(*r, "SelectStmt"), std::nullopt, depth + 1);
      return;
    }
    FrameGuard guard(*this, scope);
    with_clause(s, depth);
    const Json* from = array_field(s, "fromClause");
    if (from != nullptr) {
      for (const Json& item : *from) register_from(item, depth + 1);
      for (const Json& item : *from) process_from(item, depth + 1);
    }
    if (const Json* values = array_field(s, "valuesLists")) expressions(*values, depth + 1);
    if (const Json* target = array_field(s, "targetList")) {
      // The inner side of "x IN (SELECT y FROM ...)": y is a join key.
      if (semi_join && target->size() == 1) {
        const Json* val = field(unwrap((*target)[0], "ResTarget"), "val");
        if (auto c = val != nullptr ? resolve(*val) : std::nullopt; c && c->ok) record(*c, ColumnRole::Join, false);
      }
      expressions(*target, depth + 1);
    }
    if (const Json* where = field(s, "whereClause")) predicate(*where, false, depth + 1);
    const Json* group = array_field(s, "groupClause");
    if (group != nullptr) clause_columns(*group, s, ColumnRole::GroupBy, depth + 1);
    if (const Json* having = field(s, "havingClause")) expressions(*having, depth + 1);
    if (const Json* distinct = array_field(s, "distinctClause"); distinct != nullptr && group == nullptr) {
      distinct_columns(*distinct, s, depth + 1);
    }
    if (const Json* sort = array_field(s, "sortClause")) clause_columns(*sort, s, ColumnRole::OrderBy, depth + 1);
    if (const Json* limit = field(s, "limitCount")) expressions(*limit, depth + 1);
    if (const Json* offset = field(s, "limitOffset")) expressions(*offset, depth + 1);
  }

  void insert_stmt(const Json& s, std::optional<int> given_scope, int depth) {
    const int scope = given_scope ? *given_scope : next_scope();
    FrameGuard guard(*this, scope);
    with_clause(s, depth);
    if (const Json* rel = field(s, "relation")) add_table(unwrap(*rel, "RangeVar"), /*register=*/false);
    // The SELECT (or VALUES) feeding the rows is a level of its own, the first one when the
    // INSERT is the outermost statement.
    if (const Json* select = field(s, "selectStmt")) statement(*select, std::nullopt, depth + 1);
  }

  void update_stmt(const Json& s, std::optional<int> given_scope, int depth) {
    const int scope = given_scope ? *given_scope : next_scope();
    FrameGuard guard(*this, scope);
    with_clause(s, depth);
    if (const Json* rel = field(s, "relation")) add_table(unwrap(*rel, "RangeVar"), /*register=*/true);
    const Json* from = array_field(s, "fromClause");
    if (from != nullptr) {
      for (const Json& item : *from) register_from(item, depth + 1);
      for (const Json& item : *from) process_from(item, depth + 1);
    }
    if (const Json* target = array_field(s, "targetList")) {
      for (const Json& item : *target) {
        const Json* res = as(item, "ResTarget");
        if (res == nullptr) continue;
        if (auto name = res->find("name"); name != res->end() && name->is_string()) {
          std::string column = name->get<std::string>();
          if (std::find(updated_.begin(), updated_.end(), column) == updated_.end()) updated_.push_back(column);
        }
      }
      expressions(*target, depth + 1);
    }
    if (const Json* where = field(s, "whereClause")) predicate(*where, false, depth + 1);
    if (const Json* returning = array_field(s, "returningList")) expressions(*returning, depth + 1);
  }

  void delete_stmt(const Json& s, std::optional<int> given_scope, int depth) {
    const int scope = given_scope ? *given_scope : next_scope();
    FrameGuard guard(*this, scope);
    with_clause(s, depth);
    if (const Json* rel = field(s, "relation")) add_table(unwrap(*rel, "RangeVar"), /*register=*/true);
    const Json* from = array_field(s, "usingClause");
    if (from != nullptr) {
      for (const Json& item : *from) register_from(item, depth + 1);
      for (const Json& item : *from) process_from(item, depth + 1);
    }
    if (const Json* where = field(s, "whereClause")) predicate(*where, false, depth + 1);
    if (const Json* returning = array_field(s, "returningList")) expressions(*returning, depth + 1);
  }

  // ------------------------------------------------------------------------------------------
  // FROM lists: first every relation is registered in the level (so that ON clauses and
  // unqualified columns see all of them), then subqueries and join conditions are walked.

  static std::string alias_name(const Json& node) {
    const Json* alias = field(node, "alias");
    if (alias == nullptr) return {};
    const std::string* name = string_field(unwrap(*alias, "Alias"), "aliasname");
    return name != nullptr ? *name : std::string();
  }

  // A RangeVar: records the table (unless it names a WITH query) and, when register is set,
  // makes it visible to column references of the current level.
  void add_table(const Json& rv, bool register_it) {
    const std::string* relname = string_field(rv, "relname");
    if (relname == nullptr) return;
    const std::string* schema = string_field(rv, "schemaname");
    Relation r;
    const std::string alias = alias_name(rv);
    r.aliased = !alias.empty();
    r.ref_name = r.aliased ? alias : *relname;
    if (schema == nullptr && is_cte(*relname)) {
      // A WITH query: columns can be qualified with it, but it is no table.
    } else {
      r.written = schema != nullptr ? *schema + "." + *relname : *relname;
      if (std::find(tables_.begin(), tables_.end(), r.written) == tables_.end()) tables_.push_back(r.written);
    }
    if (register_it) frame().relations.push_back(std::move(r));
  }

  void register_from(const Json& item, int depth) {
    if (depth > kMaxDepth) return;
    if (const Json* rv = as(item, "RangeVar")) {
      add_table(*rv, true);
    } else if (const Json* join = as(item, "JoinExpr")) {
      if (const Json* l = field(*join, "larg")) register_from(*l, depth + 1);
      if (const Json* r = field(*join, "rarg")) register_from(*r, depth + 1);
    } else if (const Json* sub = as(item, "RangeSubselect")) {
      frame().relations.push_back(Relation{alias_name(*sub), {}, true});
    } else if (const Json* fn = as(item, "RangeFunction")) {
      frame().relations.push_back(Relation{alias_name(*fn), {}, true});
    } else if (item.is_object() && !item.empty() && item.begin()->is_object()) {
      // Other FROM items (XMLTABLE, table samples, ...) still take a place in the level.
      const Json& body = item.begin().value();
      if (const Json* rel = field(body, "relation")) {
        register_from(*rel, depth + 1);
      } else {
        frame().relations.push_back(Relation{alias_name(body), {}, true});
      }
    }
  }

  void process_from(const Json& item, int depth) {
    if (depth > kMaxDepth) return;
    if (const Json* join = as(item, "JoinExpr")) {
      const Json* l = field(*join, "larg");
      const Json* r = field(*join, "rarg");
      if (l != nullptr) process_from(*l, depth + 1);
      if (r != nullptr) process_from(*r, depth + 1);
      if (const Json* quals = field(*join, "quals")) predicate(*quals, false, depth + 1);
      if (const Json* using_list = array_field(*join, "usingClause"); using_list != nullptr && l && r) {
        join_using(*using_list, *l, *r);
      }
    } else if (const Json* sub = as(item, "RangeSubselect")) {
      if (const Json* query = field(*sub, "subquery")) statement(*query, std::nullopt, depth + 1);
    } else if (const Json* fn = as(item, "RangeFunction")) {
      if (const Json* functions = field(*fn, "functions")) expressions(*functions, depth + 1);
    }
  }

  // Tables (as their index in the current frame) a FROM item contributes.
  void side_relations(const Json& item, std::vector<int>& out, int depth) {
    if (depth > kMaxDepth) return;
    if (const Json* rv = as(item, "RangeVar")) {
      const std::string* relname = string_field(*rv, "relname");
      if (relname == nullptr) return;
      const std::string alias = alias_name(*rv);
      const std::string ref = alias.empty() ? *relname : alias;
      const auto& rels = frame().relations;
      for (std::size_t i = 0; i < rels.size(); ++i) {
        if (rels[i].ref_name == ref && !rels[i].written.empty()) {
          out.push_back(static_cast<int>(i));
          return;
        }
      }
    } else if (const Json* join = as(item, "JoinExpr")) {
      if (const Json* l = field(*join, "larg")) side_relations(*l, out, depth + 1);
      if (const Json* r = field(*join, "rarg")) side_relations(*r, out, depth + 1);
    }
  }

  // JOIN ... USING (a, b): each name is a join column on both sides.
  void join_using(const Json& names, const Json& left, const Json& right) {
    std::vector<int> sides[2];
    side_relations(left, sides[0], 0);
    side_relations(right, sides[1], 0);
    for (const Json& name : names) {
      const std::string column = string_value(name);
      if (column.empty()) continue;
      for (const auto& side : sides) {
        if (side.empty()) continue;
        Resolved r;
        r.ok = true;
        r.column = column;
        if (side.size() == 1) {
          r.table = frame().relations[static_cast<std::size_t>(side[0])].written;
        } else {
          for (int i : side) add_unique(r.candidates, frame().relations[static_cast<std::size_t>(i)].written);
        }
        record(r, ColumnRole::Join, false);
      }
    }
  }

  static void add_unique(std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  }

  // ------------------------------------------------------------------------------------------
  // Column references.

  std::optional<Resolved> resolve(const Json& node) const {
    const Json* ref = as(node, "ColumnRef");
    if (ref == nullptr) return std::nullopt;
    // From here on a column reference: ok is false when it names no table's column.
    const Json* fields = array_field(*ref, "fields");
    if (fields == nullptr || fields->empty()) return Resolved{};
    std::vector<std::string> parts;
    for (const Json& f : *fields) {
      if (as(f, "String") == nullptr) return Resolved{};  // A_Star
      parts.push_back(string_value(f));
    }
    Resolved r;
    r.column = parts.back();
    if (r.column.empty() || frames_.empty()) return Resolved{};
    if (parts.size() == 1) {
      // Unqualified: the level's relations. With one, it is that one's (when a table); with
      // several, the caller picks the table that has such a column.
      const Frame& f = frames_.back();
      if (f.relations.size() == 1) {
        if (f.relations[0].written.empty()) return Resolved{};
        r.ok = true;
        r.table = f.relations[0].written;
        r.frame = static_cast<int>(frames_.size()) - 1;
        r.relation = 0;
        return r;
      }
      for (const Relation& rel : f.relations) {
        if (!rel.written.empty()) add_unique(r.candidates, rel.written);
      }
      // (With one table among subqueries or functions, the column may be theirs: the caller
      // checks the table has it.)
      if (r.candidates.empty()) return Resolved{};
      r.ok = true;
      return r;
    }
    // Qualified: "alias.col", "table.col", "schema.table.col" (or "db.schema.table.col"),
    // searched from the innermost level outwards (correlated subqueries).
    std::string qualifier = parts[parts.size() - 2];
    std::string schema = parts.size() >= 3 ? parts[parts.size() - 3] : std::string();
    for (int fi = static_cast<int>(frames_.size()) - 1; fi >= 0; --fi) {
      const auto& rels = frames_[static_cast<std::size_t>(fi)].relations;
      for (std::size_t ri = 0; ri < rels.size(); ++ri) {
        const Relation& rel = rels[ri];
        bool match = false;
        if (schema.empty()) {
          match = rel.ref_name == qualifier;
        } else {
          match = !rel.aliased && rel.written == schema + "." + qualifier;
        }
        if (!match) continue;
        if (rel.written.empty()) return Resolved{};  // a subquery's or WITH query's column
        r.ok = true;
        r.table = rel.written;
        r.frame = fi;
        r.relation = static_cast<int>(ri);
        return r;
      }
    }
    return Resolved{};
  }

  void record(const Resolved& r, ColumnRole role, bool in_or, bool descending = false, int position = 0) {
    ColumnUse use;
    use.table = r.table;
    use.column = r.column;
    use.role = role;
    use.descending = descending;
    use.in_or = in_or;
    use.position = position;
    use.scope = frames_.empty() ? 0 : frames_.back().scope;
    if (r.table.empty()) use.candidate_tables = r.candidates;
    for (const ColumnUse& u : uses_) {
      if (u.table == use.table && u.column == use.column && u.role == use.role && u.descending == use.descending &&
          u.in_or == use.in_or && u.position == use.position && u.scope == use.scope &&
          u.candidate_tables == use.candidate_tables) {
        return;
      }
    }
    uses_.push_back(std::move(use));
  }

  // ------------------------------------------------------------------------------------------
  // Predicates: AND / OR trees of comparisons. Anything else is only searched for subqueries.

  void predicate(const Json& node, bool in_or, int depth) {
    if (depth > kMaxDepth || !node.is_object()) return;
    if (const Json* b = as(node, "BoolExpr")) {
      const std::string* op = string_field(*b, "boolop");
      const Json* args = array_field(*b, "args");
      if (op == nullptr || args == nullptr) return;
      if (*op == "AND_EXPR" || *op == "OR_EXPR") {
        const bool child_or = in_or || *op == "OR_EXPR";
        for (const Json& arg : *args) predicate(arg, child_or, depth + 1);
      } else {
        expressions(*args, depth + 1);  // NOT: no index use, but NOT EXISTS (...) still counts
      }
      return;
    }
    if (const Json* e = as(node, "A_Expr")) {
      comparison(*e, in_or, depth + 1);
      return;
    }
    if (const Json* n = as(node, "NullTest")) {
      const Json* arg = field(*n, "arg");
      if (arg != nullptr && string_field_is(*n, "nulltesttype", "IS_NULL")) {
        if (auto r = resolve(*arg); r && r->ok) {
          record(*r, ColumnRole::Equality, in_or);
          return;
        }
      }
      expressions(node, depth + 1);
      return;
    }
    if (const Json* link = as(node, "SubLink")) {
      sublink(*link, in_or, depth + 1);
      return;
    }
    expressions(node, depth + 1);
  }

  void comparison(const Json& e, bool in_or, int depth) {
    const std::string* kind = string_field(e, "kind");
    const Json* l = field(e, "lexpr");
    const Json* r = field(e, "rexpr");
    if (kind == nullptr || l == nullptr || r == nullptr) {
      expressions(e, depth);
      return;
    }
    const std::string op = operator_name(e);
    if (*kind == "AEXPR_OP") {
      std::optional<ColumnRole> role;
      if (op == "=") role = ColumnRole::Equality;
      else if (op == "<" || op == ">" || op == "<=" || op == ">=") role = ColumnRole::Range;
      if (role) {
        auto lc = resolve(*l);
        auto rc = resolve(*r);
        if (lc && rc) {
          // a.x = b.y: a join key on both sides (a.x = a.y is no join and no index help).
          if (*role == ColumnRole::Equality && !(lc->ok && rc->ok && same_relation(*lc, *rc))) {
            if (lc->ok) record(*lc, ColumnRole::Join, in_or);
            if (rc->ok) record(*rc, ColumnRole::Join, in_or);
          }
          return;
        }
        if (lc && lc->ok && is_constant(*r, depth)) {
          record(*lc, *role, in_or);
          return;
        }
        if (rc && rc->ok && is_constant(*l, depth)) {
          record(*rc, *role, in_or);
          return;
        }
      }
    } else if (*kind == "AEXPR_IN" && op == "=") {
      if (auto c = resolve(*l); c && c->ok && is_constant(*r, depth)) {
        record(*c, ColumnRole::Equality, in_or);
        return;
      }
    } else if (*kind == "AEXPR_OP_ANY" && op == "=") {
      if (auto c = resolve(*l); c && c->ok && is_constant(*r, depth)) {
        record(*c, ColumnRole::Equality, in_or);
        return;
      }
    } else if (*kind == "AEXPR_BETWEEN" || *kind == "AEXPR_BETWEEN_SYM") {
      if (auto c = resolve(*l); c && c->ok && is_constant(*r, depth)) {
        record(*c, ColumnRole::Range, in_or);
        return;
      }
    } else if (*kind == "AEXPR_LIKE" && op == "~~") {
      if (auto c = resolve(*l); c && c->ok && is_prefix_pattern(*r)) {
        record(*c, ColumnRole::Range, in_or);
        return;
      }
    }
    // Not a usable comparison: still look for subqueries in it.
    expressions(*l, depth);
    expressions(*r, depth);
  }

  void sublink(const Json& link, bool in_or, int depth) {
    const Json* sub = field(link, "subselect");
    const Json* test = field(link, "testexpr");
    const std::string* type = string_field(link, "subLinkType");
    // x IN (SELECT y FROM ...): a semi-join on x and y.
    const bool semi_join = type != nullptr && *type == "ANY_SUBLINK" && test != nullptr &&
                           (field(link, "operName") == nullptr || operator_name_of(link, "operName") == "=");
    if (semi_join) {
      if (auto c = resolve(*test); c && c->ok) record(*c, ColumnRole::Join, in_or);
      else expressions(*test, depth);
    } else if (test != nullptr) {
      expressions(*test, depth);
    }
    if (sub == nullptr) return;
    if (semi_join) {
      if (const Json* select = as(*sub, "SelectStmt")) {
        pending_semi_join_ = true;
        select_stmt(*select, std::nullopt, depth + 1);
        return;
      }
    }
    statement(*sub, std::nullopt, depth + 1);
  }

  // Anything that is not a predicate: walked only for subqueries.
  void expressions(const Json& node, int depth) {
    if (depth > kMaxDepth) return;
    if (node.is_array()) {
      for (const Json& item : node) expressions(item, depth + 1);
      return;
    }
    if (!node.is_object()) return;
    if (const Json* link = as(node, "SubLink")) {
      const Json* sub = field(*link, "subselect");
      if (const Json* test = field(*link, "testexpr")) expressions(*test, depth + 1);
      if (sub != nullptr) statement(*sub, std::nullopt, depth + 1);
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->is_structured()) expressions(it.value(), depth + 1);
    }
  }

  // ------------------------------------------------------------------------------------------
  // ORDER BY / GROUP BY / DISTINCT.

  // A clause item as a column: a column reference, an output column's name, or its number.
  std::optional<Resolved> clause_column(const Json& item, const Json& select) const {
    const Json* target = array_field(select, "targetList");
    if (const Json* c = as(item, "A_Const")) {
      const Json* ival = field(*c, "ival");
      if (ival == nullptr || target == nullptr) return std::nullopt;
      const Json* n = field(unwrap(*ival, "Integer"), "ival");
      if (n == nullptr || !n->is_number_integer()) return std::nullopt;
      const int64_t pos = n->get<int64_t>();
      if (pos < 1 || static_cast<std::size_t>(pos) > target->size()) return std::nullopt;
      const Json* val = field(unwrap((*target)[static_cast<std::size_t>(pos - 1)], "ResTarget"), "val");
      return val != nullptr ? resolve(*val) : std::nullopt;
    }
    auto r = resolve(item);
    const Json* ref = as(item, "ColumnRef");
    const Json* fields = ref != nullptr ? array_field(*ref, "fields") : nullptr;
    if (target != nullptr && fields != nullptr && fields->size() == 1) {
      // ORDER BY an output column's name ("SELECT a AS x ... ORDER BY x").
      const std::string name = string_value((*fields)[0]);
      for (const Json& t : *target) {
        const Json& rt = unwrap(t, "ResTarget");
        const std::string* alias = string_field(rt, "name");
        if (alias == nullptr || *alias != name) continue;
        const Json* val = field(rt, "val");
        if (val == nullptr) return std::nullopt;
        return resolve(*val);
      }
    }
    return r;
  }

  void clause_columns(const Json& items, const Json& select, ColumnRole role, int depth) {
    int position = 0;
    for (const Json& raw : items) {
      const Json* node = &raw;
      bool descending = false;
      if (const Json* sort = as(raw, "SortBy")) {
        descending = string_field_is(*sort, "sortby_dir", "SORTBY_DESC");
        node = field(*sort, "node");
      }
      if (node != nullptr) {
        if (auto c = clause_column(*node, select); c && c->ok) {
          record(*c, role, false, descending, position);
        } else {
          expressions(*node, depth + 1);
        }
      }
      ++position;
    }
  }

  // DISTINCT (every output column) or DISTINCT ON (the listed expressions).
  void distinct_columns(const Json& distinct, const Json& select, int depth) {
    const bool plain = distinct.size() == 1 && distinct[0].is_object() && distinct[0].empty();
    if (!plain) {
      clause_columns(distinct, select, ColumnRole::GroupBy, depth);
      return;
    }
    const Json* target = array_field(select, "targetList");
    if (target == nullptr) return;
    int position = 0;
    for (const Json& t : *target) {
      const Json* val = field(unwrap(t, "ResTarget"), "val");
      if (val != nullptr) {
        if (auto c = resolve(*val); c && c->ok) record(*c, ColumnRole::GroupBy, false, false, position);
      }
      ++position;
    }
  }

  std::vector<Frame> frames_;
  std::vector<ColumnUse> uses_;
  std::vector<std::string> tables_;
  std::vector<std::string> updated_;  // UPDATE ... SET target names
  int scope_counter_ = 0;
  bool pending_semi_join_ = false;
};


}  // namespace

ColumnUsage column_usage_postgres(std::string_view query) noexcept {
  try {
    const Json tree = parse_tree::parse_postgres(query);
    if (tree.is_discarded()) return ColumnUsage{};
    return Walker().run(tree);
  } catch (...) {
    return ColumnUsage{};
  }
}

}  // namespace sluice::sql
