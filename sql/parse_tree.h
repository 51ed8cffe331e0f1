// libpg_query's parse tree as JSON (PostgreSQL 15), and the small readers every walker of it
// uses (statement_info, column_usage, schema/lint/workload_refs).
//
// A node is {"TypeName": {fields}} where a field may hold any node, and a bare {fields} object
// where the field's type is fixed (UpdateStmt.relation is always a RangeVar). Zero, false and
// empty fields are left out of the JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sluice::sql::parse_tree {

using Json = nlohmann::json;

// The tree of `query`, or a discarded value (is_discarded()) when libpg_query rejects the text
// or it holds a NUL byte (libpg_query reads C strings: the query would be cut). Throws only
// std::bad_alloc.
Json parse_postgres(std::string_view query);

// The same, saying why when there is no tree.
struct ExplainedParse {
  Json tree;          // discarded when error is not empty
  std::string error;  // libpg_query's message, or why its output could not be read; "" on success
  int cursor = 0;     // 1-based character position the error points at, 0 when none
};
ExplainedParse parse_postgres_explained(std::string_view query);

// The field `name` of an object node, or nullptr (absent, or node is no object).
const Json* field(const Json& node, const char* name);
// The same when the field is a string / an array; nullptr otherwise.
const std::string* string_field(const Json& node, const char* name);
const Json* array_field(const Json& node, const char* name);
bool string_field_is(const Json& node, const char* name, std::string_view value);
// An integer field (0 when absent or not an integer) and a boolean one (false likewise).
int64_t int_field(const Json& node, const char* name);
bool bool_field(const Json& node, const char* name);

// {"Type": {...}} -> {...} when node is of that type, else nullptr.
const Json* as(const Json& node, const char* type);
// {"Type": {...}} -> {...}; a bare node is returned as it is.
const Json& unwrap(const Json& node, const char* type);
// The sval of a {"String": {"sval": ...}} item ("" when absent).
std::string string_value(const Json& node);

}  // namespace sluice::sql::parse_tree
