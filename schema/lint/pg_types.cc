#include "schema/lint/pg_types.h"

#include <algorithm>
#include <string_view>

namespace sluice::schema::lint {

namespace {

bool builtin(const PgType& t) { return t.schema.empty() || t.schema == "pg_catalog"; }
bool named(const PgType& t, std::string_view name) { return builtin(t) && t.name == name; }

bool is_time_family(const PgType& t) {
  return named(t, "timestamp") || named(t, "timestamptz") || named(t, "time") || named(t, "timetz") ||
         named(t, "interval");
}

// Whether going from `from` to `to` (same base type) is a catalog-only change.
bool widening(const PgType& from, const PgType& to) {
  if (from.modifiers == to.modifiers) return true;
  if (named(to, "varchar") || named(to, "varbit")) {
    if (to.modifiers.empty()) return true;
    return !from.modifiers.empty() && to.modifiers[0] >= from.modifiers[0];
  }
  if (named(to, "numeric")) {
    if (to.modifiers.empty()) return true;
    if (from.modifiers.empty()) return false;
    int64_t from_scale = from.modifiers.size() > 1 ? from.modifiers[1] : 0;
    int64_t to_scale = to.modifiers.size() > 1 ? to.modifiers[1] : 0;
    return to_scale == from_scale && to.modifiers[0] >= from.modifiers[0];
  }
  if (is_time_family(to)) {
    int64_t from_p = from.modifiers.empty() ? 6 : from.modifiers[0];
    int64_t to_p = to.modifiers.empty() ? 6 : to.modifiers[0];
    return to_p >= from_p;
  }
  return false;
}

// New types that some old types reach without a rewrite.
bool may_be_binary_coercible_target(const PgType& t) {
  return named(t, "text") || named(t, "varchar") || named(t, "numeric") || named(t, "varbit") || named(t, "inet") ||
         is_time_family(t);
}

}  // namespace

TypeChange classify_type_change(const PgType* old_type, const PgType& new_type, bool has_using) {
  if (has_using) return TypeChange::Rewrite;
  if (old_type == nullptr || old_type->empty()) {
    return may_be_binary_coercible_target(new_type) && !new_type.array ? TypeChange::Depends : TypeChange::Rewrite;
  }
  const PgType& from = *old_type;
  if (from.array != new_type.array) return TypeChange::Rewrite;
  if (from.name == new_type.name && builtin(from) == builtin(new_type)) {
    return widening(from, new_type) ? TypeChange::NoRewrite : TypeChange::Rewrite;
  }
  // varchar(n) -> text, text -> varchar (no length), cidr -> inet.
  if (named(from, "varchar") && named(new_type, "text")) return TypeChange::NoRewrite;
  if (named(from, "text") && named(new_type, "varchar") && new_type.modifiers.empty()) return TypeChange::NoRewrite;
  if (named(from, "cidr") && named(new_type, "inet")) return TypeChange::NoRewrite;
  return TypeChange::Rewrite;
}

bool is_serial(const PgType& t) {
  return builtin(t) && (t.name == "serial" || t.name == "serial4" || t.name == "smallserial" || t.name == "serial2" ||
                        t.name == "bigserial" || t.name == "serial8");
}

bool is_small_integer(const PgType& t) {
  return builtin(t) && (t.name == "int4" || t.name == "int2" || t.name == "serial" || t.name == "serial4" ||
                        t.name == "smallserial" || t.name == "serial2" || t.name == "integer" || t.name == "int" ||
                        t.name == "smallint");
}

bool is_timestamp_without_tz(const PgType& t) { return named(t, "timestamp"); }
bool is_char_n(const PgType& t) { return named(t, "bpchar"); }
bool is_varchar_n(const PgType& t) { return named(t, "varchar") && !t.modifiers.empty(); }
bool is_json(const PgType& t) { return named(t, "json"); }

}  // namespace sluice::schema::lint
