#include "sql/parse_tree.h"

#include <pg_query.h>

#include <algorithm>

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

ExplainedParse parse_postgres_explained(std::string_view query) {
  ExplainedParse out{Json(Json::value_t::discarded), {}, 0};
  if (const std::size_t nul = query.find('\0'); nul != std::string_view::npos) {
    out.error = "NUL byte in the text";
    // As libpg_query counts: characters, not bytes (UTF-8 continuation bytes left out).
    out.cursor = 1 + static_cast<int>(std::count_if(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(nul),
                                                    [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
    return out;
  }
  const ParseResult parsed{std::string(query)};
  if (const PgQueryError* e = parsed.get().error; e != nullptr) {
    out.error = e->message != nullptr && *e->message != '\0' ? e->message : "syntax error";
    out.cursor = e->cursorpos;
    return out;
  }
  if (parsed.get().parse_tree == nullptr) {
    out.error = "libpg_query gave no parse tree";
    return out;
  }
  out.tree = Json::parse(parsed.get().parse_tree, nullptr, /*allow_exceptions=*/false);
  if (out.tree.is_discarded()) out.error = "cannot read libpg_query's parse tree";
  return out;
}

Json parse_postgres(std::string_view query) { return parse_postgres_explained(query).tree; }

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
