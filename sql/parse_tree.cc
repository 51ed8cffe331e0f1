#include "sql/parse_tree.h"

#include <pg_query.h>

namespace sluice::sql::parse_tree {

namespace {

// Owns a parse result and frees it on every path.
class ParseResult {
 public:
  explicit ParseResult(const std::string& text) : r_(pg_query_parse(text.c_str())) {}
  ~ParseResult() { pg_query_free_parse_result(r_); }
  ParseResult(const ParseResult&) = delete;
  ParseResult& operator=(const ParseResult&) = delete;
  const PgQueryParseResult& get() const { return r_; }

 private:
  PgQueryParseResult r_;
};

}  // namespace

Json parse_postgres(std::string_view query) {
  if (query.find('\0') != std::string_view::npos) return Json(Json::value_t::discarded);
  const ParseResult parsed{std::string(query)};
  if (parsed.get().error != nullptr || parsed.get().parse_tree == nullptr) return Json(Json::value_t::discarded);
  return Json::parse(parsed.get().parse_tree, nullptr, /*allow_exceptions=*/false);
}

const Json* field(const Json& node, const char* name) {
  if (!node.is_object()) return nullptr;
  auto it = node.find(name);
  return it == node.end() ? nullptr : &*it;
}

const std::string* string_field(const Json& node, const char* name) {
  const Json* f = field(node, name);
  return f != nullptr && f->is_string() ? f->get_ptr<const std::string*>() : nullptr;
}

const Json* array_field(const Json& node, const char* name) {
  const Json* f = field(node, name);
  return f != nullptr && f->is_array() ? f : nullptr;
}

bool string_field_is(const Json& node, const char* name, std::string_view value) {
  const std::string* s = string_field(node, name);
  return s != nullptr && *s == value;
}

int64_t int_field(const Json& node, const char* name) {
  const Json* f = field(node, name);
  return f != nullptr && f->is_number_integer() ? f->get<int64_t>() : 0;
}

bool bool_field(const Json& node, const char* name) {
  const Json* f = field(node, name);
  return f != nullptr && f->is_boolean() && f->get<bool>();
}

const Json* as(const Json& node, const char* type) {
  const Json* inner = field(node, type);
  return inner != nullptr && inner->is_object() ? inner : nullptr;
}

const Json& unwrap(const Json& node, const char* type) {
  const Json* inner = as(node, type);
  return inner != nullptr ? *inner : node;
}

std::string string_value(const Json& node) {
  const std::string* s = string_field(unwrap(node, "String"), "sval");
  return s != nullptr ? *s : std::string();
}

}  // namespace sluice::sql::parse_tree
