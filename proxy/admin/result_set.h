// A result the admin console sends back: typed columns, text rows (nullopt is SQL NULL) and the
// command tag, written as PostgreSQL v3 RowDescription, DataRow... and CommandComplete. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::proxy::admin {

// PostgreSQL type OIDs the console uses; all values are sent in text format.
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kTextOid = 25;
constexpr uint32_t kNumericOid = 1700;

struct Column {
  std::string name;
  uint32_t type_oid = kTextOid;

  bool operator==(const Column&) const = default;
};

using Cell = std::optional<std::string>;
using Row = std::vector<Cell>;

struct ResultSet {
  std::vector<Column> columns;  // none: a command without rows (RELOAD), only CommandComplete
  std::vector<Row> rows;        // each row has one cell per column
  std::string command_tag = "SHOW";

  // The index of the column with this name, or -1.
  int column_index(std::string_view name) const;
  // The cell of row r under column name; nullopt when the column is missing or the cell NULL.
  Cell cell(std::size_t r, std::string_view name) const;
};

// Cell formatting shared by the builders.
Cell int_cell(int64_t value);
Cell text_cell(std::string_view value);
Cell fixed_cell(double value, int decimals = 3);  // "12.345"

// Appends RowDescription (when there are columns), one DataRow per row and CommandComplete.
// Cells of a short row are sent as NULL; extra cells are dropped.
void write_result_set(std::string& out, const ResultSet& rs);

}  // namespace sluice::proxy::admin
