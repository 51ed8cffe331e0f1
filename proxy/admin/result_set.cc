// Encoding of admin results with the codec's MessageWriter.
#include "proxy/admin/result_set.h"

#include <cmath>
#include <cstdio>

#include "proxy/pg/codec/message_writer.h"
#include "proxy/pg/codec/protocol.h"

namespace sluice::proxy::admin {
namespace {

// Size in bytes of a type's values (pg_type.typlen); -1 for variable length.
int16_t type_length(uint32_t oid) { return oid == kInt8Oid ? 8 : -1; }

}  // namespace

int ResultSet::column_index(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Cell ResultSet::cell(std::size_t r, std::string_view name) const {
  int c = column_index(name);
  if (c < 0 || r >= rows.size() || std::size_t(c) >= rows[r].size()) return std::nullopt;
  return rows[r][std::size_t(c)];
}

Cell int_cell(int64_t value) { return std::to_string(value); }

Cell text_cell(std::string_view value) { return std::string(value); }

Cell fixed_cell(double value, int decimals) {
  if (!std::isfinite(value)) return std::nullopt;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  if (n < 0 || std::size_t(n) >= sizeof buf) return std::nullopt;
  return std::string(buf, std::size_t(n));
}

void write_result_set(std::string& out, const ResultSet& rs) {
  pg::MessageWriter w(out);
  if (!rs.columns.empty()) {
    w.begin(pg::be::kRowDescription).int16(static_cast<int16_t>(rs.columns.size()));
    for (const Column& c : rs.columns) {
      w.cstr(c.name);
      w.int32(0);  // table OID
      w.int16(0);  // column attribute number
      w.int32(static_cast<int32_t>(c.type_oid));
      w.int16(type_length(c.type_oid));
      w.int32(-1);  // type modifier
      w.int16(0);   // text format
    }
    w.end();
    for (const Row& row : rs.rows) {
      w.begin(pg::be::kDataRow).int16(static_cast<int16_t>(rs.columns.size()));
      for (std::size_t i = 0; i < rs.columns.size(); ++i) {
        if (i < row.size() && row[i]) {
          w.int32(static_cast<int32_t>(row[i]->size())).bytes(*row[i]);
        } else {
          w.int32(-1);
        }
      }
      w.end();
    }
  }
  pg::write_command_complete(out, rs.command_tag);
}

}  // namespace sluice::proxy::admin
