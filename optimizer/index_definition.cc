#include "optimizer/index_definition.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "common/stable_hash.h"

namespace sluice::optimizer {

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace {

std::string joined(const std::vector<std::string>& parts, std::string_view sep, bool quote) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += quote ? quote_identifier(parts[i]) : parts[i];
  }
  return out;
}

std::string qualified_table(const IndexDefinition& d) {
  return quote_identifier(d.schema) + "." + quote_identifier(d.table);
}

}  // namespace

std::string IndexDefinition::key() const { return schema + "." + table + "(" + joined(columns, ",", false) + ")"; }

std::string IndexDefinition::display() const {
  std::string t = schema == "public" ? table : schema + "." + table;
  return t + "(" + joined(columns, ", ", false) + ")";
}

std::string IndexDefinition::name() const {
  constexpr std::size_t kMaxName = 63;
  std::string full = table;
  for (const auto& c : columns) full += "_" + c;
  full += "_idx";
  if (full.size() <= kMaxName) return full;
  const std::string k = key();
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08x", static_cast<unsigned>(common::stable_hash(k) & 0xffffffffu));
  // keep whole UTF-8 characters: cut before a continuation byte
  std::size_t keep = kMaxName - 1 - 8 - 4;  // "_" + hash + "_idx"
  while (keep > 0 && (static_cast<unsigned char>(full[keep]) & 0xC0) == 0x80) --keep;
  return full.substr(0, keep) + "_" + hash + "_idx";
}

std::string IndexDefinition::create_statement(bool concurrently) const {
  return std::string("CREATE INDEX ") + (concurrently ? "CONCURRENTLY " : "") + "IF NOT EXISTS " +
         quote_identifier(name()) + " ON " + qualified_table(*this) + " (" + joined(columns, ", ", true) + ")";
}

std::string IndexDefinition::drop_statement(bool concurrently) const {
  return std::string("DROP INDEX ") + (concurrently ? "CONCURRENTLY " : "") + "IF EXISTS " + quote_identifier(schema) +
         "." + quote_identifier(name());
}

std::string IndexDefinition::hypothetical_statement() const {
  return "CREATE INDEX ON " + qualified_table(*this) + " (" + joined(columns, ", ", true) + ")";
}

bool IndexDefinition::is_prefix_of(const IndexDefinition& other) const {
  if (schema != other.schema || table != other.table || columns.size() > other.columns.size()) return false;
  return std::equal(columns.begin(), columns.end(), other.columns.begin());
}

}  // namespace sluice::optimizer
