#include "schema/lint/mysql_online_ddl.h"

#include <algorithm>
#include <cstdlib>

namespace sluice::schema::lint::mysql {

const char* to_string(Algorithm a) {
  switch (a) {
    case Algorithm::Instant: return "INSTANT";
    case Algorithm::Inplace: return "INPLACE";
    case Algorithm::Copy: return "COPY";
  }
  return "?";
}

const char* to_string(LockLevel l) {
  switch (l) {
    case LockLevel::None: return "NONE";
    case LockLevel::Shared: return "SHARED";
    case LockLevel::Exclusive: return "EXCLUSIVE";
  }
  return "?";
}

const char* to_string(Flavor f) { return f == Flavor::MariaDB ? "mariadb" : "mysql8"; }

std::optional<Flavor> parse_flavor(const std::string& name) {
  std::string n = lower_ascii(name);
  if (n == "mariadb" || n == "mariadb10.11" || n == "mariadb-10.11") return Flavor::MariaDB;
  if (n == "mysql" || n == "mysql8" || n == "mysql-8" || n == "mysql8.0") return Flavor::MySQL8;
  return std::nullopt;
}

std::string algorithm_name(Algorithm a, bool rebuild, Flavor flavor) {
  if (a == Algorithm::Inplace && !rebuild && flavor == Flavor::MariaDB) return "NOCOPY";
  return to_string(a);
}

// ---------------------------------------------------------------------------------------------
// Table model

namespace {

bool same_name(const std::string& a, const std::string& b) { return lower_ascii(a) == lower_ascii(b); }

// The last part of db.t, lower case.
std::string bare_table(const std::string& table) {
  std::size_t dot = table.rfind('.');
  return lower_ascii(dot == std::string::npos ? table : table.substr(dot + 1));
}

}  // namespace

const ColumnDef* TableModel::column(const std::string& n) const {
  for (const ColumnDef& c : columns) {
    if (same_name(c.name, n)) return &c;
  }
  return nullptr;
}

bool TableModel::has_fulltext() const {
  return std::any_of(keys.begin(), keys.end(), [](const KeyDef& k) { return k.kind == KeyKind::Fulltext; });
}

bool TableModel::has_primary_key() const {
  return std::any_of(keys.begin(), keys.end(), [](const KeyDef& k) { return k.kind == KeyKind::Primary; });
}

bool TableModel::in_key(const std::string& col, KeyKind kind) const {
  for (const KeyDef& k : keys) {
    if (k.kind != kind) continue;
    for (const std::string& c : k.columns) {
      if (same_name(c, col)) return true;
    }
  }
  return false;
}

bool TableModel::in_primary_key(const std::string& col) const { return in_key(col, KeyKind::Primary); }

bool TableModel::in_any_index(const std::string& col) const {
  for (KeyKind kind : {KeyKind::Index, KeyKind::Unique, KeyKind::Fulltext, KeyKind::Spatial, KeyKind::Primary}) {
    if (in_key(col, kind)) return true;
  }
  return false;
}

bool TableModel::innodb() const { return !engine_known || same_name(engine, "InnoDB"); }

std::string SchemaModel::key_of(const std::string& table) { return bare_table(table); }

const TableModel* SchemaModel::find(const std::string& table) const {
  auto it = tables_.find(key_of(table));
  return it == tables_.end() ? nullptr : &it->second;
}

void SchemaModel::apply(const CreateTable& create) {
  if (!create.like.empty()) {
    const TableModel* src = find(create.like);
    if (src == nullptr) {
      tables_.erase(key_of(create.table));
      return;
    }
    TableModel copy = *src;
    copy.name = create.table;
    copy.created_in_file = true;
    tables_[key_of(create.table)] = std::move(copy);
    return;
  }
  TableModel t;
  t.name = create.table;
  if (!create.engine.empty()) {
    t.engine = create.engine;
    t.engine_known = true;
  }
  t.row_format = create.row_format;
  t.charset = create.charset;
  t.partitioned = create.partitioned;
  t.columns = create.columns;
  for (ColumnDef& c : t.columns) {
    c.first = false;
    c.after.clear();
  }
  t.keys = create.keys;
  t.created_in_file = true;
  tables_[key_of(create.table)] = std::move(t);
}

void SchemaModel::rename(const std::string& from, const std::string& to) {
  auto it = tables_.find(key_of(from));
  if (it == tables_.end()) return;
  TableModel t = std::move(it->second);
  tables_.erase(it);
  t.name = to;
  tables_[key_of(to)] = std::move(t);
}

void SchemaModel::drop(const std::string& table) { tables_.erase(key_of(table)); }

void SchemaModel::apply(const AlterTable& alter) {
  auto it = tables_.find(key_of(alter.table));
  if (it == tables_.end()) return;
  TableModel& t = it->second;
  std::string rename_to;
  auto place = [&t](ColumnDef c) {
    bool first = c.first;
    std::string after = c.after;
    c.first = false;
    c.after.clear();
    if (first) {
      t.columns.insert(t.columns.begin(), std::move(c));
      return;
    }
    if (!after.empty()) {
      for (auto i = t.columns.begin(); i != t.columns.end(); ++i) {
        if (same_name(i->name, after)) {
          t.columns.insert(i + 1, std::move(c));
          return;
        }
      }
    }
    t.columns.push_back(std::move(c));
  };
  auto remove_column = [&t](const std::string& name) {
    t.columns.erase(std::remove_if(t.columns.begin(), t.columns.end(),
                                   [&](const ColumnDef& c) { return same_name(c.name, name); }),
                    t.columns.end());
    for (KeyDef& k : t.keys) {
      k.columns.erase(std::remove_if(k.columns.begin(), k.columns.end(),
                                     [&](const std::string& c) { return same_name(c, name); }),
                      k.columns.end());
    }
    t.keys.erase(std::remove_if(t.keys.begin(), t.keys.end(),
                                [](const KeyDef& k) { return k.columns.empty() && k.kind != KeyKind::Check; }),
                 t.keys.end());
  };
  auto rename_in_keys = [&t](const std::string& from, const std::string& to) {
    for (KeyDef& k : t.keys) {
      for (std::string& c : k.columns) {
        if (same_name(c, from)) c = to;
      }
    }
  };
  for (const AlterOp& op : alter.ops) {
    switch (op.kind) {
      case AlterOpKind::AddColumn:
        place(op.column);
        if (op.column.primary_key) t.keys.push_back(KeyDef{KeyKind::Primary, "PRIMARY", {op.column.name}, "", {}});
        if (op.column.unique) t.keys.push_back(KeyDef{KeyKind::Unique, op.column.name, {op.column.name}, "", {}});
        break;
      case AlterOpKind::DropColumn:
        remove_column(op.name);
        break;
      case AlterOpKind::ModifyColumn: {
        bool moved = op.column.first || !op.column.after.empty();
        auto i = std::find_if(t.columns.begin(), t.columns.end(), [&](const ColumnDef& c) { return same_name(c.name, op.name); });
        if (i == t.columns.end()) break;
        if (moved) {
          t.columns.erase(i);
          place(op.column);
        } else {
          *i = op.column;
        }
        rename_in_keys(op.name, op.column.name);
        break;
      }
      case AlterOpKind::RenameColumn:
        for (ColumnDef& c : t.columns) {
          if (same_name(c.name, op.name)) c.name = op.new_name;
        }
        rename_in_keys(op.name, op.new_name);
        break;
      case AlterOpKind::SetDefault:
      case AlterOpKind::DropDefault:
        for (ColumnDef& c : t.columns) {
          if (same_name(c.name, op.name)) {
            c.has_default = op.kind == AlterOpKind::SetDefault;
            c.default_text = op.value;
          }
        }
        break;
      case AlterOpKind::AddKey:
        if (op.key.kind != KeyKind::Check) t.keys.push_back(op.key);
        break;
      case AlterOpKind::DropIndex:
      case AlterOpKind::DropForeignKey:
      case AlterOpKind::DropConstraint:
        t.keys.erase(std::remove_if(t.keys.begin(), t.keys.end(),
                                    [&](const KeyDef& k) { return k.kind != KeyKind::Primary && same_name(k.name, op.name); }),
                     t.keys.end());
        break;
      case AlterOpKind::DropPrimaryKey:
        t.keys.erase(std::remove_if(t.keys.begin(), t.keys.end(), [](const KeyDef& k) { return k.kind == KeyKind::Primary; }),
                     t.keys.end());
        break;
      case AlterOpKind::RenameIndex:
        for (KeyDef& k : t.keys) {
          if (same_name(k.name, op.name)) k.name = op.new_name;
        }
        break;
      case AlterOpKind::RenameTable:
        rename_to = op.new_name;
        break;
      case AlterOpKind::ConvertCharset:
        t.charset = op.value;
        for (ColumnDef& c : t.columns) {
          c.type.charset.clear();
          c.type.collation.clear();
        }
        break;
      case AlterOpKind::TableOption:
        if (op.option == "ENGINE") {
          t.engine = op.value;
          t.engine_known = true;
        } else if (op.option == "ROW_FORMAT") {
          t.row_format = upper_ascii(op.value);
        } else if (op.option == "CHARACTER SET") {
          t.charset = op.value;
        }
        break;
      case AlterOpKind::Partition:
        if (op.option == "PARTITION BY") t.partitioned = true;
        if (op.option == "REMOVE PARTITIONING") t.partitioned = false;
        break;
      default:
        break;
    }
  }
  if (!rename_to.empty()) rename(alter.table, rename_to);
}

// ---------------------------------------------------------------------------------------------
// Rules

namespace {

int bytes_per_char(const std::string& charset) {
  std::string c = lower_ascii(charset);
  if (c == "latin1" || c == "ascii" || c == "binary" || c == "latin2" || c == "latin5" || c == "latin7" ||
      c == "cp1250" || c == "cp1251" || c == "cp1256" || c == "cp1257" || c == "cp850" || c == "cp852" ||
      c == "cp866" || c == "dec8" || c == "greek" || c == "hebrew" || c == "hp8" || c == "keybcs2" ||
      c == "koi8r" || c == "koi8u" || c == "macce" || c == "macroman" || c == "swe7" || c == "tis620" ||
      c == "armscii8" || c == "geostd8") {
    return 1;
  }
  if (c == "ucs2" || c == "gbk" || c == "big5" || c == "sjis" || c == "cp932" || c == "euckr" || c == "gb2312") return 2;
  if (c == "utf8mb3" || c == "utf8" || c == "ujis" || c == "eucjpms") return 3;
  return 4;  // utf8mb4, utf16, utf16le, utf32, gb18030, unknown
}

// The character set a column ends up with: its own, the one its collation names, the table's, the default.
std::string effective_charset(const DataType& type, const TableModel* table, const OnlineDdlOptions& options) {
  if (!type.charset.empty()) return type.charset;
  if (!type.collation.empty()) {
    std::string c = type.collation.substr(0, type.collation.find('_'));
    return c == "utf8" ? "utf8mb3" : c;
  }
  if (table != nullptr && !table->charset.empty()) return table->charset;
  return options.default_charset;
}

bool is_string_type(const std::string& n) {
  return n == "CHAR" || n == "VARCHAR" || n == "TINYTEXT" || n == "TEXT" || n == "MEDIUMTEXT" || n == "LONGTEXT" ||
         n == "ENUM" || n == "SET";
}

bool is_integer_type(const std::string& n) {
  return n == "TINYINT" || n == "SMALLINT" || n == "MEDIUMINT" || n == "INT" || n == "BIGINT";
}

int integer_rank(const std::string& n) {
  static const char* const kOrder[] = {"TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT"};
  for (int i = 0; i < 5; ++i) {
    if (n == kOrder[i]) return i;
  }
  return -1;
}

long arg_number(const DataType& t, std::size_t i, long fallback) {
  if (i >= t.args.size()) return fallback;
  char* end = nullptr;
  long v = std::strtol(t.args[i].c_str(), &end, 10);
  return end != nullptr && *end == '\0' ? v : fallback;
}

std::string type_text(const DataType& t) {
  std::string s = t.name;
  if (!t.args.empty()) {
    s += "(";
    for (std::size_t i = 0; i < t.args.size(); ++i) s += (i ? "," : "") + t.args[i];
    s += ")";
  }
  if (t.is_unsigned) s += " UNSIGNED";
  return s;
}

// Display widths (INT(11)) mean nothing to storage: compare integer types without them.
bool same_type_shape(const DataType& a, const DataType& b) {
  if (a.name != b.name || a.is_unsigned != b.is_unsigned || a.zerofill != b.zerofill) return false;
  if (is_integer_type(a.name)) return true;
  return a.args == b.args;
}

int set_storage_bytes(std::size_t members) {
  std::size_t b = (members + 7) / 8;
  return b <= 4 ? static_cast<int>(b == 0 ? 1 : b) : 8;
}

struct Verdict {
  Algorithm algorithm = Algorithm::Instant;
  bool rebuild = false;
  LockLevel lock = LockLevel::None;
  bool scans = false;
};

OpVerdict make(const AlterOp& op, Algorithm a, bool rebuild, LockLevel lock, std::string reason) {
  OpVerdict v;
  v.op = &op;
  v.algorithm = a;
  v.rebuild = a == Algorithm::Copy ? true : rebuild;
  v.lock = a == Algorithm::Copy ? std::max(lock, LockLevel::Shared) : lock;
  v.scans = a != Algorithm::Instant && (v.rebuild || a == Algorithm::Copy);
  v.reason = std::move(reason);
  return v;
}

OpVerdict instant(const AlterOp& op, std::string reason) { return make(op, Algorithm::Instant, false, LockLevel::None, std::move(reason)); }
OpVerdict nocopy(const AlterOp& op, std::string reason, LockLevel lock = LockLevel::None) {
  return make(op, Algorithm::Inplace, false, lock, std::move(reason));
}
OpVerdict rebuild(const AlterOp& op, std::string reason, LockLevel lock = LockLevel::None) {
  return make(op, Algorithm::Inplace, true, lock, std::move(reason));
}
OpVerdict copy(const AlterOp& op, std::string reason) { return make(op, Algorithm::Copy, true, LockLevel::Shared, std::move(reason)); }

// A metadata change: INSTANT in MariaDB, INPLACE without rebuild (metadata only) in MySQL 8.
OpVerdict metadata(const AlterOp& op, const OnlineDdlOptions& o, std::string reason) {
  return o.flavor == Flavor::MariaDB ? instant(op, std::move(reason)) : nocopy(op, std::move(reason));
}

std::string q(const std::string& name) { return "`" + name + "`"; }

OpVerdict classify_add_column(const AlterOp& op, const TableModel* t, const OnlineDdlOptions&) {
  const ColumnDef& c = op.column;
  if (c.auto_increment) {
    return rebuild(op, "adds the AUTO_INCREMENT column " + q(c.name) + ": the table is rebuilt and writes wait",
                   LockLevel::Shared);
  }
  if (c.generated == Generated::Stored) return copy(op, "adds the stored generated column " + q(c.name));
  if (c.generated == Generated::Virtual) return instant(op, "adds the virtual column " + q(c.name));
  if (t != nullptr && t->has_fulltext()) {
    return rebuild(op, "adds " + q(c.name) + " to a table with a FULLTEXT index (hidden FTS_DOC_ID: no instant add)",
                   LockLevel::Shared);
  }
  if (t != nullptr && t->row_format == "COMPRESSED") {
    return rebuild(op, "adds " + q(c.name) + " to a ROW_FORMAT=COMPRESSED table (no instant add)");
  }
  OpVerdict v = instant(op, "adds the column " + q(c.name) + " (metadata only)");
  v.instant_column = true;
  return v;
}

OpVerdict classify_drop_column(const AlterOp& op, const TableModel* t, const OnlineDdlOptions& o) {
  const std::string& n = op.name;
  if (t != nullptr && t->in_primary_key(n)) {
    return copy(op, "drops " + q(n) + ", part of the primary key (the primary key goes with it)");
  }
  if (t != nullptr && t->has_fulltext()) {
    // The rebuild keeps the FULLTEXT indexes that remain, and rebuilding one needs LOCK=SHARED;
    // dropping the only FULLTEXT column drops its index too, and the rebuild is then online.
    bool fulltext_remains = false;
    for (const KeyDef& k : t->keys) {
      if (k.kind != KeyKind::Fulltext) continue;
      for (const std::string& c : k.columns) fulltext_remains = fulltext_remains || !same_name(c, n);
    }
    return rebuild(op, "drops " + q(n) + " from a table with a FULLTEXT index (no instant drop" +
                           (fulltext_remains ? "; the FULLTEXT index is rebuilt while writes wait)" : ")"),
                   fulltext_remains ? LockLevel::Shared : LockLevel::None);
  }
  if (t != nullptr && t->row_format == "COMPRESSED") {
    return rebuild(op, "drops " + q(n) + " from a ROW_FORMAT=COMPRESSED table (no instant drop)");
  }
  const ColumnDef* c = t != nullptr ? t->column(n) : nullptr;
  if (c != nullptr && c->generated == Generated::Stored && o.flavor == Flavor::MySQL8) {
    return rebuild(op, "drops the stored generated column " + q(n));
  }
  if (t != nullptr && t->in_any_index(n)) {
    if (o.flavor == Flavor::MariaDB) return nocopy(op, "drops " + q(n) + " and the indexes on it (index change, no rebuild)");
    return rebuild(op, "drops the indexed column " + q(n));
  }
  OpVerdict v = instant(op, "drops the column " + q(n) + " (metadata only)");
  v.instant_column = true;
  if (c == nullptr) {
    v.assumption = "assumed " + q(n) + " is in no index (an indexed column: " +
                   std::string(o.flavor == Flavor::MariaDB ? "NOCOPY" : "INPLACE with rebuild") +
                   "; a primary key column: COPY)";
  }
  return v;
}

OpVerdict classify_modify(const AlterOp& op, const AlterTable& alter, const TableModel* t, const OnlineDdlOptions& o) {
  const ColumnDef& nc = op.column;
  const ColumnDef* oc = t != nullptr ? t->column(op.name) : nullptr;
  std::string what = std::string(same_name(op.name, nc.name) ? "MODIFY " : "CHANGE ") + q(op.name);
  if (oc == nullptr) {
    OpVerdict v = copy(op, what + " to " + type_text(nc.type));
    v.assumption = "the current definition of " + q(op.name) +
                   " is not in this migration: assumed its type changes (COPY). Renaming it, changing its default "
                   "or comment, or widening a VARCHAR within its length-byte class would be " +
                   std::string(o.flavor == Flavor::MariaDB ? "INSTANT" : "INPLACE without rebuild");
    return v;
  }
  const DataType& ot = oc->type;
  const DataType& nt = nc.type;
  std::string old_cs = effective_charset(ot, t, o);
  std::string new_cs = effective_charset(nt, t, o);
  bool redundant = t->row_format == "REDUNDANT" && o.flavor == Flavor::MariaDB;
  std::vector<OpVerdict> parts;

  // 1. The type.
  if (nt.name == ot.name && same_type_shape(ot, nt)) {
    if (is_string_type(nt.name) && old_cs != new_cs) {
      if (o.flavor == Flavor::MariaDB && old_cs == "utf8mb3" && new_cs == "utf8mb4") {
        parts.push_back(instant(op, "changes " + q(op.name) + " from utf8mb3 to utf8mb4 (instant in MariaDB)"));
      } else {
        parts.push_back(copy(op, "changes the character set of " + q(op.name) + " from " + old_cs + " to " + new_cs));
      }
    } else if (is_string_type(nt.name) && !nt.collation.empty() && lower_ascii(nt.collation) != lower_ascii(ot.collation)) {
      if (o.flavor == Flavor::MySQL8) {
        parts.push_back(copy(op, "changes the collation of " + q(op.name)));
      } else if (t->in_any_index(op.name)) {
        parts.push_back(nocopy(op, "changes the collation of the indexed column " + q(op.name) + " (its indexes are rebuilt)"));
      } else {
        parts.push_back(instant(op, "changes the collation of " + q(op.name)));
      }
    }
  } else if ((nt.name == "VARCHAR" && ot.name == "VARCHAR") || (nt.name == "VARBINARY" && ot.name == "VARBINARY")) {
    long old_len = arg_number(ot, 0, -1);
    long new_len = arg_number(nt, 0, -1);
    int per_char = nt.name == "VARBINARY" ? 1 : bytes_per_char(new_cs);
    if (old_cs != new_cs && nt.name == "VARCHAR") {
      parts.push_back(copy(op, "changes " + q(op.name) + " from " + type_text(ot) + " " + old_cs + " to " + type_text(nt) + " " + new_cs));
    } else if (old_len < 0 || new_len < 0 || new_len < old_len) {
      parts.push_back(copy(op, "shortens " + q(op.name) + " from " + type_text(ot) + " to " + type_text(nt)));
    } else {
      long ob = old_len * per_char;
      long nb = new_len * per_char;
      std::string range = " (" + std::to_string(ob) + " -> " + std::to_string(nb) + " bytes)";
      bool same_class = nb <= 255 || ob >= 256;
      if (o.flavor == Flavor::MariaDB && (same_class || ob <= 127 || redundant)) {
        parts.push_back(instant(op, "widens " + q(op.name) + " from " + type_text(ot) + " to " + type_text(nt) + range));
      } else if (o.flavor == Flavor::MySQL8 && same_class) {
        parts.push_back(nocopy(op, "widens " + q(op.name) + " from " + type_text(ot) + " to " + type_text(nt) + range +
                                       " within its length-byte class"));
      } else {
        parts.push_back(copy(op, "widens " + q(op.name) + " from " + type_text(ot) + " to " + type_text(nt) + range +
                                     " across the 255-byte boundary: the length prefix grows from 1 to 2 bytes"));
      }
    }
  } else if ((nt.name == "ENUM" || nt.name == "SET") && nt.name == ot.name) {
    bool prefix = nt.args.size() >= ot.args.size() && std::equal(ot.args.begin(), ot.args.end(), nt.args.begin());
    bool storage_same = nt.name == "ENUM" ? (ot.args.size() <= 255) == (nt.args.size() <= 255)
                                          : set_storage_bytes(ot.args.size()) == set_storage_bytes(nt.args.size());
    if (prefix && storage_same && old_cs == new_cs) {
      parts.push_back(instant(op, "adds members at the end of the " + nt.name + " " + q(op.name)));
    } else {
      parts.push_back(copy(op, "changes the members of the " + nt.name + " " + q(op.name) +
                                   (prefix ? " (its storage size grows)" : " (not only appended at the end)")));
    }
  } else if (redundant && is_integer_type(nt.name) && is_integer_type(ot.name) && nt.is_unsigned == ot.is_unsigned &&
             integer_rank(nt.name) >= integer_rank(ot.name)) {
    parts.push_back(instant(op, "widens the integer " + q(op.name) + " in a ROW_FORMAT=REDUNDANT table"));
  } else {
    parts.push_back(copy(op, "changes the type of " + q(op.name) + " from " + type_text(ot) + " to " + type_text(nt)));
  }

  // 2. NULL / NOT NULL (MODIFY without NOT NULL makes the column nullable).
  bool in_pk = t->in_primary_key(op.name);
  bool old_nn = oc->not_null.value_or(false) || in_pk;
  bool new_nn = nc.not_null.value_or(false) || in_pk;
  if (old_nn != new_nn) {
    if (redundant && !new_nn) {
      parts.push_back(instant(op, "makes " + q(op.name) + " nullable (ROW_FORMAT=REDUNDANT)"));
    } else {
      parts.push_back(rebuild(op, new_nn ? "makes " + q(op.name) + " NOT NULL (every row is checked; fails on a NULL)"
                                         : "makes " + q(op.name) + " nullable" +
                                               (nc.not_null ? "" : " (MODIFY without NOT NULL drops the NOT NULL)")));
    }
  }
  // 3. AUTO_INCREMENT, generated expressions.
  if (nc.auto_increment != oc->auto_increment) {
    parts.push_back(copy(op, std::string(nc.auto_increment ? "adds" : "removes") + " AUTO_INCREMENT on " + q(op.name)));
  }
  if (nc.generated != oc->generated || lower_ascii(nc.generated_expr) != lower_ascii(oc->generated_expr)) {
    parts.push_back(copy(op, "changes the generation expression of " + q(op.name)));
  }
  // 4. Position.
  bool moves = false;
  if (nc.first || !nc.after.empty()) {
    auto it = std::find_if(t->columns.begin(), t->columns.end(), [&](const ColumnDef& c) { return same_name(c.name, op.name); });
    std::string before = it == t->columns.begin() ? "" : (it - 1)->name;
    moves = nc.first ? it != t->columns.begin() : !same_name(before, nc.after);
  }
  if (moves) {
    if (o.flavor == Flavor::MariaDB) {
      OpVerdict v = instant(op, "moves " + q(op.name) + (nc.first ? " FIRST" : " AFTER " + q(nc.after)));
      v.instant_column = true;
      parts.push_back(v);
    } else {
      parts.push_back(rebuild(op, "moves " + q(op.name) + " (reordering columns rebuilds the table)"));
    }
  }
  // 5. Name, default, comment, visibility: metadata.
  if (!same_name(op.name, nc.name)) parts.push_back(instant(op, "renames " + q(op.name) + " to " + q(nc.name)));
  (void)alter;

  if (parts.empty()) return instant(op, what + ": only the default, comment or visibility changes (metadata only)");
  OpVerdict worst = parts.front();
  for (const OpVerdict& p : parts) {
    if (p.algorithm > worst.algorithm || (p.algorithm == worst.algorithm && p.rebuild && !worst.rebuild)) worst = p;
  }
  std::string reason;
  for (const OpVerdict& p : parts) {
    worst.lock = std::max(worst.lock, p.lock);
    worst.instant_column = worst.instant_column || p.instant_column;
    reason += (reason.empty() ? "" : "; ") + p.reason;
  }
  worst.reason = reason;
  if (worst.algorithm != Algorithm::Instant) worst.instant_column = false;
  return worst;
}

OpVerdict classify_add_key(const AlterOp& op, const AlterTable& alter, const TableModel* t, const OnlineDdlOptions& o) {
  const KeyDef& k = op.key;
  std::string name = k.name.empty() ? "" : " " + q(k.name);
  switch (k.kind) {
    case KeyKind::Index:
    case KeyKind::Unique: {
      OpVerdict v = nocopy(op, std::string(k.kind == KeyKind::Unique ? "builds the unique index" : "builds the index") + name +
                                   " (reads the whole table; writes go on)");
      v.scans = true;
      return v;
    }
    case KeyKind::Fulltext: {
      bool earlier_in_alter = false;
      for (const AlterOp& other : alter.ops) {
        if (&other == &op) break;
        if (other.kind == AlterOpKind::AddKey && other.key.kind == KeyKind::Fulltext) earlier_in_alter = true;
      }
      bool first = !earlier_in_alter && (t == nullptr || !t->has_fulltext());
      OpVerdict v = first ? rebuild(op, "builds the first FULLTEXT index" + name + " (adds the hidden FTS_DOC_ID: rebuild)", LockLevel::Shared)
                          : nocopy(op, "builds the FULLTEXT index" + name, LockLevel::Shared);
      v.scans = true;
      if (t == nullptr) v.assumption = "assumed the table has no FULLTEXT index yet (a further one does not rebuild)";
      return v;
    }
    case KeyKind::Spatial: {
      OpVerdict v = nocopy(op, "builds the SPATIAL index" + name, LockLevel::Shared);
      v.scans = true;
      return v;
    }
    case KeyKind::Primary: {
      OpVerdict v = rebuild(op, "adds a primary key (the clustered index: the table is rebuilt)");
      return v;
    }
    case KeyKind::Foreign:
      if (!o.foreign_key_checks) {
        return metadata(op, o, "adds the foreign key" + name + " with foreign_key_checks=0 (existing rows are not checked)");
      }
      return copy(op, "adds the foreign key" + name + " with foreign_key_checks=1 (only COPY validates existing rows)");
    case KeyKind::Check: {
      OpVerdict v = copy(op, "adds the CHECK constraint" + name + " (every row is checked while the table is copied)");
      if (o.flavor == Flavor::MySQL8) v.assumption = "MySQL 8 rule not verified against a server";
      return v;
    }
  }
  return copy(op, "adds a key");
}

OpVerdict classify_table_option(const AlterOp& op, const TableModel* t, const OnlineDdlOptions& o) {
  const std::string& opt = op.option;
  if (opt == "ENGINE") {
    bool same = t != nullptr ? same_name(t->engine, op.value) : same_name(op.value, "InnoDB");
    if (same && same_name(op.value, "InnoDB")) {
      return rebuild(op, "ENGINE=" + op.value + " on an InnoDB table: a null rebuild",
                     t != nullptr && t->has_fulltext() ? LockLevel::Shared : LockLevel::None);
    }
    return copy(op, "changes the storage engine to " + op.value);
  }
  if (opt == "ROW_FORMAT" || opt == "KEY_BLOCK_SIZE" || opt == "ENCRYPTED" || opt == "ENCRYPTION_KEY_ID" ||
      opt == "ENCRYPTION" || opt == "COMPRESSION") {
    return rebuild(op, opt + "=" + op.value + " rebuilds the table");
  }
  if (opt == "PAGE_COMPRESSED" || opt == "PAGE_COMPRESSION_LEVEL") {
    return o.flavor == Flavor::MariaDB ? instant(op, opt + " (metadata only in MariaDB)") : rebuild(op, opt + " rebuilds the table");
  }
  if (opt == "AUTO_INCREMENT") return metadata(op, o, "sets the next AUTO_INCREMENT value");
  if (opt == "COMMENT") return instant(op, "changes the table comment");
  if (opt == "CHARACTER SET" || opt == "COLLATE") {
    return metadata(op, o, "changes the table's default " + std::string(opt == "COLLATE" ? "collation" : "character set") +
                               " (existing columns keep theirs)");
  }
  if (opt.rfind("STATS_", 0) == 0) return metadata(op, o, "changes " + opt);
  OpVerdict v = rebuild(op, "changes the table option " + opt);
  v.assumption = "assumed " + opt + " rebuilds the table";
  return v;
}

OpVerdict classify_partition(const AlterOp& op) {
  const std::string& p = op.option;
  if (p == "ADD") {
    OpVerdict v = nocopy(op, "ADD PARTITION (RANGE / LIST: no rows move)", LockLevel::Shared);
    v.assumption = "assumed RANGE or LIST partitioning (HASH / KEY move rows: COPY)";
    return v;
  }
  if (p == "DROP" || p == "TRUNCATE") {
    OpVerdict v = nocopy(op, p + " PARTITION deletes the partition's rows", LockLevel::Exclusive);
    v.assumption = "partition rule from the manuals, not verified against a server";
    return v;
  }
  if (p == "ANALYZE" || p == "CHECK") return instant(op, p + " PARTITION");
  return copy(op, p + " PARTITION moves rows between partitions");
}

}  // namespace

OpVerdict classify_op(const AlterOp& op, const AlterTable& alter, const TableModel* t, const OnlineDdlOptions& o) {
  OpVerdict v;
  switch (op.kind) {
    case AlterOpKind::AddColumn: v = classify_add_column(op, t, o); break;
    case AlterOpKind::DropColumn: v = classify_drop_column(op, t, o); break;
    case AlterOpKind::ModifyColumn: v = classify_modify(op, alter, t, o); break;
    case AlterOpKind::RenameColumn: v = instant(op, "renames " + q(op.name) + " to " + q(op.new_name) + " (metadata only)"); break;
    case AlterOpKind::SetDefault: v = instant(op, "sets the default of " + q(op.name) + " (metadata only)"); break;
    case AlterOpKind::DropDefault: v = instant(op, "drops the default of " + q(op.name) + " (metadata only)"); break;
    case AlterOpKind::ColumnVisibility: v = instant(op, "makes " + q(op.name) + " " + op.value); break;
    case AlterOpKind::AddKey: v = classify_add_key(op, alter, t, o); break;
    case AlterOpKind::DropIndex: v = nocopy(op, "drops the index " + q(op.name) + " (metadata only)"); break;
    case AlterOpKind::DropPrimaryKey:
      v = copy(op, "drops the primary key without adding another (InnoDB must copy the table)");
      break;
    case AlterOpKind::DropForeignKey: v = metadata(op, o, "drops the foreign key " + q(op.name)); break;
    case AlterOpKind::DropConstraint: v = instant(op, "drops the constraint " + q(op.name)); break;
    case AlterOpKind::RenameIndex: v = metadata(op, o, "renames the index " + q(op.name) + " to " + q(op.new_name)); break;
    case AlterOpKind::IndexVisibility: v = instant(op, "makes the index " + q(op.name) + " " + op.value); break;
    case AlterOpKind::RenameTable:
      v = instant(op, "renames the table to " + q(op.new_name));
      if (o.flavor == Flavor::MariaDB) v.lock = LockLevel::Exclusive;
      break;
    case AlterOpKind::ConvertCharset: {
      bool cheap = false;
      if (o.flavor == Flavor::MariaDB && t != nullptr && op.value == "utf8mb4") {
        cheap = true;
        for (const ColumnDef& c : t->columns) {
          if (is_string_type(c.type.name) && effective_charset(c.type, t, o) != "utf8mb3" &&
              effective_charset(c.type, t, o) != "utf8mb4") {
            cheap = false;
          }
        }
      }
      v = cheap ? instant(op, "converts utf8mb3 columns to utf8mb4 (instant in MariaDB)")
                : copy(op, "converts every text column to " + op.value);
      if (t == nullptr && o.flavor == Flavor::MariaDB && op.value == "utf8mb4") {
        v.assumption = "the current character sets are not in this migration: assumed a conversion that needs COPY "
                       "(from utf8mb3 it would be INSTANT)";
      }
      break;
    }
    case AlterOpKind::TableOption: v = classify_table_option(op, t, o); break;
    case AlterOpKind::Force:
      v = rebuild(op, "FORCE rebuilds the table", t != nullptr && t->has_fulltext() ? LockLevel::Shared : LockLevel::None);
      break;
    case AlterOpKind::OrderBy: v = copy(op, "ORDER BY copies the rows in order"); break;
    case AlterOpKind::Partition: v = classify_partition(op); break;
    case AlterOpKind::DisableEnableKeys: v = instant(op, "DISABLE / ENABLE KEYS does nothing on InnoDB"); break;
    case AlterOpKind::Tablespace: v = nocopy(op, op.option + " TABLESPACE", LockLevel::Exclusive); break;
    case AlterOpKind::SystemVersioning:
      v = op.option == "ADD" ? copy(op, "ADD SYSTEM VERSIONING adds the row_start / row_end columns")
                             : rebuild(op, "DROP SYSTEM VERSIONING");
      v.assumption = "system versioning rule from the manual, not verified against a server";
      break;
  }
  v.op = &op;
  // Other engines than InnoDB: anything beyond metadata (names, defaults, comments) copies the table.
  if (t != nullptr && !t->innodb() &&
      (v.algorithm != Algorithm::Instant || v.instant_column || op.kind == AlterOpKind::ModifyColumn)) {
    v = copy(op, v.reason + " on a " + t->engine + " table (no online DDL outside InnoDB)");
  }
  return v;
}

AlterVerdict classify_alter(const AlterTable& alter, const TableModel* t, const OnlineDdlOptions& o) {
  AlterVerdict out;
  bool adds_primary = false;
  for (const AlterOp& op : alter.ops) {
    if ((op.kind == AlterOpKind::AddKey && op.key.kind == KeyKind::Primary) ||
        (op.kind == AlterOpKind::AddColumn && op.column.primary_key)) {
      adds_primary = true;
    }
  }
  for (const AlterOp& op : alter.ops) {
    OpVerdict v = classify_op(op, alter, t, o);
    if (op.kind == AlterOpKind::DropPrimaryKey && adds_primary) {
      v = rebuild(op, "replaces the primary key (the table is rebuilt)");
    }
    out.ops.push_back(v);
    // Inline keys of an added column behave like ADD INDEX / ADD PRIMARY KEY beside it.
    if (op.kind == AlterOpKind::AddColumn && (op.column.unique || op.column.primary_key) && v.algorithm != Algorithm::Copy) {
      OpVerdict k = op.column.primary_key ? rebuild(op, "makes " + q(op.column.name) + " the primary key")
                                          : nocopy(op, "builds a unique index on " + q(op.column.name));
      k.scans = true;
      out.ops.push_back(k);
    }
    if (op.kind == AlterOpKind::AddColumn && op.column.has_check) {
      out.ops.push_back(copy(op, "adds a CHECK constraint with " + q(op.column.name)));
    }
  }

  Algorithm a = Algorithm::Instant;
  bool rb = false;
  LockLevel lock = LockLevel::None;
  bool scans = false;
  for (const OpVerdict& v : out.ops) {
    a = std::max(a, v.algorithm);
    rb = rb || v.rebuild;
    lock = std::max(lock, v.lock);
    scans = scans || v.scans;
    if (!v.assumption.empty()) out.uncertain = true;
  }
  if (a != Algorithm::Instant) {
    // Column additions, drops and moves are instant only when the whole ALTER is: beside a
    // clause that needs INPLACE they are done in place, which rebuilds the table.
    for (OpVerdict& v : out.ops) {
      if (!v.instant_column) continue;
      if (!rb) out.combination_penalty = a == Algorithm::Inplace;
      rb = true;
      v.algorithm = Algorithm::Inplace;
      v.rebuild = true;
      v.rebuilt_by_others = true;
      if (std::size_t at = v.reason.find(" (metadata only)"); at != std::string::npos) v.reason.erase(at, 16);
      v.reason += " (instant alone; a rebuild beside the other clauses)";
    }
  }
  if (a == Algorithm::Copy) {
    rb = true;
    lock = std::max(lock, LockLevel::Shared);
  }
  scans = scans || rb;
  out.natural_algorithm = a;
  out.natural_rebuild = rb;
  out.natural_lock = lock;

  // Explicit ALGORITHM / LOCK.
  std::string req_algo = alter.algorithm.value_or("DEFAULT");
  if (req_algo == "DEFAULT" && o.session_algorithm) req_algo = upper_ascii(*o.session_algorithm);
  std::string req_lock = alter.lock.value_or(alter.online ? "NONE" : "DEFAULT");

  auto first_reason = [&](auto pred) {
    for (const OpVerdict& v : out.ops) {
      if (pred(v)) return v.reason;
    }
    return std::string("the combination of clauses");
  };
  if (req_algo == "INSTANT" && a != Algorithm::Instant) {
    out.refused = true;
    out.refusal = "ALGORITHM=INSTANT is not supported: " + first_reason([](const OpVerdict& v) { return v.algorithm != Algorithm::Instant; });
  } else if (req_algo == "NOCOPY") {
    if (o.flavor == Flavor::MySQL8) {
      out.refused = true;
      out.refusal = "ALGORITHM=NOCOPY exists only in MariaDB: MySQL rejects the statement";
    } else if (a == Algorithm::Copy || rb) {
      out.refused = true;
      out.refusal = "ALGORITHM=NOCOPY is not supported: " + first_reason([](const OpVerdict& v) { return v.rebuild || v.instant_column; });
    }
  } else if (req_algo == "INPLACE") {
    if (a == Algorithm::Copy) {
      out.refused = true;
      out.refusal = "ALGORITHM=INPLACE is not supported: " + first_reason([](const OpVerdict& v) { return v.algorithm == Algorithm::Copy; });
    } else if (o.flavor == Flavor::MySQL8 && a == Algorithm::Instant) {
      // MySQL runs what it is asked: INPLACE, where instant column changes rebuild the table.
      a = Algorithm::Inplace;
      for (const OpVerdict& v : out.ops) rb = rb || v.instant_column;
      scans = scans || rb;
    }
  } else if (req_algo == "COPY") {
    a = Algorithm::Copy;
    rb = true;
    scans = true;
    lock = std::max(lock, LockLevel::Shared);
  }
  if (!out.refused) {
    if (req_lock == "NONE" && lock != LockLevel::None) {
      out.refused = true;
      out.refusal = "LOCK=NONE is not supported: " +
                    (a == Algorithm::Copy && out.natural_algorithm != Algorithm::Copy
                         ? std::string("ALGORITHM=COPY needs at least LOCK=SHARED")
                         : first_reason([&](const OpVerdict& v) { return v.lock != LockLevel::None; }));
    } else if (req_lock == "SHARED" && lock == LockLevel::Exclusive) {
      out.refused = true;
      out.refusal = "LOCK=SHARED is not supported: " + first_reason([](const OpVerdict& v) { return v.lock == LockLevel::Exclusive; });
    } else if (req_lock == "SHARED") {
      lock = LockLevel::Shared;
    } else if (req_lock == "EXCLUSIVE") {
      lock = LockLevel::Exclusive;
    }
  }
  if (out.refused) {
    out.algorithm = out.natural_algorithm;
    out.rebuild = out.natural_rebuild;
    out.lock = out.natural_lock;
  } else {
    out.algorithm = a;
    out.rebuild = rb;
    out.lock = lock;
  }
  out.scans = scans;
  return out;
}

AlterVerdict classify_optimize(const TableModel* t, const OnlineDdlOptions& o) {
  (void)o;
  AlterVerdict v;
  if (t != nullptr && (t->has_fulltext() || !t->innodb())) {
    v.algorithm = v.natural_algorithm = Algorithm::Copy;
    v.lock = v.natural_lock = LockLevel::Shared;
  } else {
    v.algorithm = v.natural_algorithm = Algorithm::Inplace;
    v.lock = v.natural_lock = LockLevel::None;
  }
  v.rebuild = v.natural_rebuild = true;
  v.scans = true;
  return v;
}

}  // namespace sluice::schema::lint::mysql
