// Style rules (notices): types and names that work today and cost later.
#include "schema/lint/pg_rule_checks.h"
#include "schema/lint/pg_types.h"
#include "sql/sql_lexer.h"

namespace sluice::schema::lint::checks {

namespace {

struct ColumnAt {
  std::size_t statement;
  const PgStatement* st;
  const PgColumn* column;
  bool key;  // part of the primary key, or an identity column
};

bool in_list(const std::vector<std::string>& list, const std::string& s) {
  for (const std::string& x : list) {
    if (x == s) return true;
  }
  return false;
}

// Every column definition a statement writes: CREATE TABLE, ADD COLUMN, ALTER COLUMN TYPE.
std::vector<ColumnAt> column_definitions(const RuleEmitter& e) {
  std::vector<ColumnAt> out;
  const auto& sts = e.statements();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    const PgStatement& st = sts[i];
    if (st.kind == PgKind::CreateTable) {
      std::vector<std::string> pk;
      for (const PgConstraint& c : st.constraints) {
        if (c.kind == PgConstraint::Kind::PrimaryKey) pk = c.columns;
      }
      for (const PgColumn& col : st.columns) {
        bool key = col.find(PgConstraint::Kind::PrimaryKey) != nullptr ||
                   col.find(PgConstraint::Kind::Identity) != nullptr || in_list(pk, col.name);
        out.push_back({i, &st, &col, key});
      }
    } else if (st.kind == PgKind::AlterTable) {
      for (const PgAlterCmd& cmd : st.cmds) {
        if ((cmd.kind == AlterKind::AddColumn || cmd.kind == AlterKind::AlterColumnType) && cmd.column) {
          const PgColumn& col = *cmd.column;
          bool key = col.find(PgConstraint::Kind::PrimaryKey) != nullptr ||
                     col.find(PgConstraint::Kind::Identity) != nullptr;
          out.push_back({i, &st, &col, key});
        }
      }
    }
  }
  return out;
}

bool id_like(const std::string& column) {
  return column == "id" || (column.size() > 3 && column.compare(column.size() - 3, 3, "_id") == 0);
}

int64_t type_location(const PgColumn& col) { return col.type.location >= 0 ? col.type.location : col.location; }

void style(RuleEmitter& e, bool (*matches)(const ColumnAt&), std::string (*message)(const ColumnAt&)) {
  for (const ColumnAt& c : column_definitions(e)) {
    if (c.column->type.empty() || !matches(c)) continue;
    Finding& f = e.emit(c.statement, type_location(*c.column), message(c));
    f.column = c.column->name;
  }
}

}  // namespace

void prefer_bigint_over_int(RuleEmitter& e) {
  style(
      e,
      [](const ColumnAt& c) {
        const PgType& t = c.column->type;
        return is_small_integer(t) && !t.array && (c.key || id_like(c.column->name));
      },
      [](const ColumnAt& c) -> std::string {
        return "column " + c.column->name + " is " + c.column->type.display() +
              " (at most 2,147,483,647; smallint 32,767): keys and ids outgrow it, and widening it later "
              "rewrites the table";
      });
}

void prefer_identity_over_serial(RuleEmitter& e) {
  style(
      e, [](const ColumnAt& c) { return is_serial(c.column->type); },
      [](const ColumnAt& c) -> std::string {
        return "column " + c.column->name + " is " + c.column->type.name +
              ": the sequence is a separate object with its own permissions; identity columns are the standard way";
      });
}

void prefer_timestamptz(RuleEmitter& e) {
  style(
      e, [](const ColumnAt& c) { return is_timestamp_without_tz(c.column->type); },
      [](const ColumnAt& c) -> std::string {
        return "column " + c.column->name +
              " is timestamp without time zone: its meaning depends on the zone of whoever wrote it";
      });
}

void prefer_text_over_char(RuleEmitter& e) {
  style(
      e, [](const ColumnAt& c) { return is_char_n(c.column->type); },
      [](const ColumnAt& c) -> std::string {
        return "column " + c.column->name + " is " + c.column->type.display() +
              " (char): values are blank-padded and compared with trailing blanks ignored";
      });
}

void prefer_text_over_varchar(RuleEmitter& e) {
  style(
      e, [](const ColumnAt& c) { return is_varchar_n(c.column->type); },
      [](const ColumnAt& c) -> std::string {
        return "column " + c.column->name + " is " + c.column->type.display() +
              ": the length limit is part of the type, and lowering it later rewrites the table";
      });
}

void prefer_jsonb(RuleEmitter& e) {
  style(
      e, [](const ColumnAt& c) { return is_json(c.column->type); },
      [](const ColumnAt& c) -> std::string {
        return "column " + c.column->name +
              " is json: it is stored as text and parsed on every use, cannot be indexed with GIN nor compared";
      });
}

void identifier_too_long(RuleEmitter& e) {
  // The parser already truncated names in the tree, so look at the statement's own tokens.
  constexpr std::size_t kMaxIdentifier = 63;  // NAMEDATALEN - 1
  const auto& sts = e.statements();
  const std::string& text = e.migration().file().text();
  for (std::size_t i = 0; i < sts.size(); ++i) {
    std::string_view statement(text.data() + sts[i].begin, sts[i].end - sts[i].begin);
    for (const sql::Token& t : sql::tokenize(statement)) {
      std::string_view id = t.text;
      if (t.kind == sql::TokenKind::QuotedIdentifier && id.size() >= 2) id = id.substr(1, id.size() - 2);
      else if (t.kind != sql::TokenKind::Word) continue;
      if (id.size() <= kMaxIdentifier) continue;
      std::size_t cut = kMaxIdentifier;
      while (cut > 0 && (static_cast<unsigned char>(id[cut]) & 0xC0) == 0x80) --cut;
      e.emit(i, static_cast<int64_t>(sts[i].begin + t.offset),
             "identifier \"" + std::string(id) + "\" is " + std::to_string(id.size()) +
                 " bytes: PostgreSQL silently truncates it to \"" + std::string(id.substr(0, cut)) + "\"");
    }
  }
}

}  // namespace sluice::schema::lint::checks
