#include "schema/lint/pg_statement_model.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace sluice::schema::lint {

using Json = nlohmann::json;

const char* to_string(LockMode mode) {
  switch (mode) {
    case LockMode::None: return "no lock";
    case LockMode::AccessShare: return "ACCESS SHARE";
    case LockMode::RowShare: return "ROW SHARE";
    case LockMode::RowExclusive: return "ROW EXCLUSIVE";
    case LockMode::ShareUpdateExclusive: return "SHARE UPDATE EXCLUSIVE";
    case LockMode::Share: return "SHARE";
    case LockMode::ShareRowExclusive: return "SHARE ROW EXCLUSIVE";
    case LockMode::Exclusive: return "EXCLUSIVE";
    case LockMode::AccessExclusive: return "ACCESS EXCLUSIVE";
  }
  return "";
}

const char* blocks(LockMode mode) {
  switch (mode) {
    case LockMode::None:
    case LockMode::AccessShare:
    case LockMode::RowShare:
    case LockMode::RowExclusive: return "nothing that reads or writes rows";
    case LockMode::ShareUpdateExclusive: return "other schema changes, VACUUM and concurrent index builds";
    case LockMode::Share:
    case LockMode::ShareRowExclusive: return "writes (INSERT, UPDATE, DELETE)";
    case LockMode::Exclusive: return "writes and SELECT ... FOR UPDATE";
    case LockMode::AccessExclusive: return "reads and writes";
  }
  return "";
}

std::string PgType::display() const {
  std::string out = name;
  if (!modifiers.empty()) {
    out += "(";
    for (std::size_t i = 0; i < modifiers.size(); ++i) {
      if (i > 0) out += ",";
      out += std::to_string(modifiers[i]);
    }
    out += ")";
  }
  if (array) out += "[]";
  return out;
}

const PgConstraint* PgColumn::find(PgConstraint::Kind kind) const {
  for (const PgConstraint& c : constraints) {
    if (c.kind == kind) return &c;
  }
  return nullptr;
}

bool PgColumn::not_null() const {
  return find(PgConstraint::Kind::NotNull) != nullptr || find(PgConstraint::Kind::PrimaryKey) != nullptr;
}

namespace {

const Json kNull;

const Json& field(const Json& node, const char* name) {
  if (!node.is_object()) return kNull;
  auto it = node.find(name);
  return it == node.end() ? kNull : *it;
}

std::string str(const Json& node, const char* name) {
  const Json& f = field(node, name);
  return f.is_string() ? f.get<std::string>() : std::string();
}

bool flag(const Json& node, const char* name) {
  const Json& f = field(node, name);
  return f.is_boolean() && f.get<bool>();
}

int64_t integer(const Json& node, const char* name, int64_t fallback = 0) {
  const Json& f = field(node, name);
  return f.is_number_integer() ? f.get<int64_t>() : fallback;
}

// {"Type": {...}} -> {...} when the only key is `type`; otherwise the node itself.
const Json& unwrap(const Json& node, const char* type) {
  if (node.is_object()) {
    auto it = node.find(type);
    if (it != node.end() && it->is_object()) return *it;
  }
  return node;
}

// [{"String": {"sval": "a"}}, ...] -> {"a", ...}
std::vector<std::string> string_list(const Json& list) {
  std::vector<std::string> out;
  if (!list.is_array()) return out;
  for (const Json& item : list) {
    const Json& s = unwrap(item, "String");
    out.push_back(str(s, "sval"));
  }
  return out;
}

QualifiedName range_var(const Json& node) {
  const Json& rv = unwrap(node, "RangeVar");
  QualifiedName q;
  q.schema = str(rv, "schemaname");
  q.name = str(rv, "relname");
  q.location = integer(rv, "location", -1);
  return q;
}

QualifiedName from_name_list(const std::vector<std::string>& parts) {
  QualifiedName q;
  if (parts.empty()) return q;
  q.name = parts.back();
  if (parts.size() >= 2) q.schema = parts[parts.size() - 2];
  return q;
}

// "OBJECT_MATVIEW" -> "materialized view", "OBJECT_FOREIGN_TABLE" -> "foreign table".
std::string object_name(std::string_view object) {
  if (object.starts_with("OBJECT_")) object.remove_prefix(7);
  if (object == "MATVIEW") return "materialized view";
  if (object == "TABCONSTRAINT") return "constraint";
  std::string out;
  for (char c : object) out += c == '_' ? ' ' : static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// An A_Const integer: {"ival": {"ival": 3}}, zero as {"ival": {}}.
std::optional<int64_t> const_int(const Json& node) {
  const Json& c = unwrap(node, "A_Const");
  const Json& ival = field(c, "ival");
  if (!ival.is_object()) return std::nullopt;
  return integer(ival, "ival", 0);
}

PgType type_name(const Json& node) {
  PgType t;
  const Json& tn = unwrap(node, "TypeName");
  std::vector<std::string> names = string_list(field(tn, "names"));
  if (names.empty()) return t;
  t.name = names.back();
  if (names.size() >= 2) t.schema = names[names.size() - 2];
  const Json& mods = field(tn, "typmods");
  if (mods.is_array()) {
    for (const Json& m : mods) {
      if (auto v = const_int(m)) t.modifiers.push_back(*v);
    }
  }
  const Json& bounds = field(tn, "arrayBounds");
  t.array = bounds.is_array() && !bounds.empty();
  t.location = integer(tn, "location", -1);
  return t;
}

// Built-in functions whose volatility is known. Names are lower case, unqualified.
constexpr std::array<std::string_view, 22> kVolatileFunctions = {
    "random",          "random_normal",     "setseed",        "clock_timestamp",  "timeofday",
    "gen_random_uuid", "uuid_generate_v1",  "uuid_generate_v1mc", "uuid_generate_v4", "nextval",
    "setval",          "currval",           "lastval",        "txid_current",     "pg_current_xact_id",
    "gen_random_bytes", "gen_salt",         "crypt",          "uuid_generate_v7", "pg_backend_pid",
    "inet_client_addr", "dblink"};
constexpr std::array<std::string_view, 22> kStableFunctions = {
    "now",          "transaction_timestamp", "statement_timestamp", "current_setting", "current_database",
    "current_schema", "current_user",        "session_user",        "to_char",         "to_timestamp",
    "to_date",      "age",                   "timezone",            "date_part",       "extract",
    "concat",       "concat_ws",             "format",              "jsonb_build_object", "json_build_object",
    "to_json",      "to_jsonb"};
constexpr std::array<std::string_view, 46> kImmutableFunctions = {
    "lower",   "upper",   "length",   "char_length", "md5",      "abs",        "round",       "floor",
    "ceil",    "trunc",   "btrim",    "ltrim",       "rtrim",    "trim",       "substr",      "substring",
    "replace", "left",    "right",    "lpad",        "rpad",     "coalesce",   "nullif",      "greatest",
    "least",   "make_date", "make_time", "make_timestamp", "make_interval", "array_length", "cardinality",
    "int2",    "int4",    "int8",     "float8",      "numeric",  "text",       "bool",        "jsonb_build_array",
    "json_build_array", "split_part", "regexp_replace", "sha256", "encode", "decode", "date_trunc"};

template <std::size_t N>
bool listed(std::string_view name, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

void walk_volatility(const Json& node, Volatility& v, std::string& function, int depth) {
  if (depth > 200 || v == Volatility::Volatile) return;
  if (node.is_array()) {
    for (const Json& item : node) walk_volatility(item, v, function, depth + 1);
    return;
  }
  if (!node.is_object()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it.key() == "FuncCall" && it->is_object()) {
      std::vector<std::string> names = string_list(field(*it, "funcname"));
      std::string name = names.empty() ? std::string() : names.back();
      Volatility f = Volatility::Unknown;
      if (listed(name, kVolatileFunctions)) f = Volatility::Volatile;
      else if (listed(name, kStableFunctions)) f = Volatility::Stable;
      else if (listed(name, kImmutableFunctions)) f = Volatility::Immutable;
      // Worst wins: Volatile > Unknown > Stable > Immutable.
      auto rank = [](Volatility x) {
        switch (x) {
          case Volatility::Immutable: return 0;
          case Volatility::Stable: return 1;
          case Volatility::Unknown: return 2;
          case Volatility::Volatile: return 3;
        }
        return 0;
      };
      if (rank(f) > rank(v)) {
        v = f;
        if (f == Volatility::Volatile || f == Volatility::Unknown) function = name;
      }
    } else if (it.key() == "SQLValueFunction") {
      if (v == Volatility::Immutable) v = Volatility::Stable;
    }
    walk_volatility(it.value(), v, function, depth + 1);
  }
}

bool is_null_constant(const Json& expr) {
  const Json& c = unwrap(expr, "A_Const");
  return &c != &expr && flag(c, "isnull");
}

PgConstraint constraint(const Json& node) {
  const Json& c = unwrap(node, "Constraint");
  PgConstraint out;
  std::string type = str(c, "contype");
  using K = PgConstraint::Kind;
  if (type == "CONSTR_PRIMARY") out.kind = K::PrimaryKey;
  else if (type == "CONSTR_UNIQUE") out.kind = K::Unique;
  else if (type == "CONSTR_CHECK") out.kind = K::Check;
  else if (type == "CONSTR_FOREIGN") out.kind = K::ForeignKey;
  else if (type == "CONSTR_EXCLUSION") out.kind = K::Exclusion;
  else if (type == "CONSTR_NOTNULL") out.kind = K::NotNull;
  else if (type == "CONSTR_NULL") out.kind = K::Null;
  else if (type == "CONSTR_DEFAULT") out.kind = K::Default;
  else if (type == "CONSTR_IDENTITY") out.kind = K::Identity;
  else if (type == "CONSTR_GENERATED") out.kind = K::Generated;
  out.name = str(c, "conname");
  out.location = integer(c, "location", -1);
  out.not_valid = flag(c, "skip_validation");
  out.using_index = str(c, "indexname");
  if (out.kind == K::ForeignKey) {
    out.columns = string_list(field(c, "fk_attrs"));
    out.ref_table = range_var(field(c, "pktable"));
    out.ref_columns = string_list(field(c, "pk_attrs"));
  } else {
    out.columns = string_list(field(c, "keys"));
  }
  const Json& expr = field(c, "raw_expr");
  if (!expr.is_null()) {
    out.has_expression = true;
    out.null_default = out.kind == K::Default && is_null_constant(expr);
    walk_volatility(expr, out.volatility, out.volatile_function, 0);
    if (out.kind == K::Check) {
      const Json& test = unwrap(expr, "NullTest");
      if (&test != &expr && str(test, "nulltesttype") == "IS_NOT_NULL") {
        std::vector<std::string> fields = string_list(field(unwrap(field(test, "arg"), "ColumnRef"), "fields"));
        if (fields.size() == 1) out.not_null_column = fields[0];
      }
    }
  }
  return out;
}

PgColumn column_def(const Json& node) {
  const Json& c = unwrap(node, "ColumnDef");
  PgColumn out;
  out.name = str(c, "colname");
  out.location = integer(c, "location", -1);
  const Json& type = field(c, "typeName");
  if (!type.is_null()) out.type = type_name(type);
  const Json& constraints = field(c, "constraints");
  if (constraints.is_array()) {
    for (const Json& item : constraints) out.constraints.push_back(constraint(item));
  }
  return out;
}

AlterKind alter_kind(std::string_view subtype, const Json& cmd) {
  if (subtype == "AT_AddColumn") return AlterKind::AddColumn;
  if (subtype == "AT_DropColumn") return AlterKind::DropColumn;
  if (subtype == "AT_AlterColumnType") return AlterKind::AlterColumnType;
  if (subtype == "AT_SetNotNull") return AlterKind::SetNotNull;
  if (subtype == "AT_DropNotNull") return AlterKind::DropNotNull;
  if (subtype == "AT_ColumnDefault") return field(cmd, "def").is_null() ? AlterKind::DropDefault : AlterKind::SetDefault;
  if (subtype == "AT_AddConstraint") return AlterKind::AddConstraint;
  if (subtype == "AT_ValidateConstraint") return AlterKind::ValidateConstraint;
  if (subtype == "AT_DropConstraint") return AlterKind::DropConstraint;
  if (subtype == "AT_AddIdentity") return AlterKind::AddIdentity;
  if (subtype == "AT_SetIdentity") return AlterKind::SetIdentity;
  if (subtype == "AT_DropIdentity") return AlterKind::DropIdentity;
  if (subtype == "AT_SetTableSpace") return AlterKind::SetTablespace;
  if (subtype == "AT_SetLogged") return AlterKind::SetLogged;
  if (subtype == "AT_SetUnLogged") return AlterKind::SetUnlogged;
  if (subtype == "AT_AttachPartition") return AlterKind::AttachPartition;
  if (subtype == "AT_DetachPartition") return AlterKind::DetachPartition;
  if (subtype == "AT_SetStatistics") return AlterKind::SetStatistics;
  if (subtype == "AT_SetRelOptions" || subtype == "AT_ResetRelOptions") return AlterKind::SetOptions;
  if (subtype.starts_with("AT_EnableTrig") || subtype.starts_with("AT_DisableTrig") ||
      subtype.starts_with("AT_EnableAlwaysTrig") || subtype.starts_with("AT_EnableReplicaTrig")) {
    return AlterKind::EnableDisableTrigger;
  }
  return AlterKind::Other;
}

PgAlterCmd alter_cmd(const Json& node) {
  const Json& c = unwrap(node, "AlterTableCmd");
  PgAlterCmd out;
  out.subtype = str(c, "subtype");
  out.kind = alter_kind(out.subtype, c);
  out.name = str(c, "name");
  out.missing_ok = flag(c, "missing_ok");
  const Json& def = field(c, "def");
  switch (out.kind) {
    case AlterKind::AddColumn:
      out.column = column_def(def);
      out.name = out.column->name;
      break;
    case AlterKind::AlterColumnType: {
      out.column = column_def(def);
      out.column->name = out.name;
      out.has_using = !field(unwrap(def, "ColumnDef"), "raw_default").is_null();
      break;
    }
    case AlterKind::AddConstraint:
    case AlterKind::AddIdentity:
      out.constraint = constraint(def);
      break;
    case AlterKind::DetachPartition:
      out.concurrent = flag(unwrap(def, "PartitionCmd"), "concurrent");
      break;
    default: break;
  }
  return out;
}

void describe_create_table(const Json& s, PgStatement& st) {
  st.kind = PgKind::CreateTable;
  st.table = range_var(field(s, "relation"));
  st.if_not_exists = flag(s, "if_not_exists");
  st.defined_names.push_back(st.table);
  const Json& elts = field(s, "tableElts");
  if (!elts.is_array()) return;
  for (const Json& e : elts) {
    if (e.contains("ColumnDef")) {
      st.columns.push_back(column_def(e));
      st.defined_names.push_back(QualifiedName{"", st.columns.back().name, st.columns.back().location});
    } else if (e.contains("Constraint")) {
      st.constraints.push_back(constraint(e));
      if (!st.constraints.back().name.empty()) {
        st.defined_names.push_back(QualifiedName{"", st.constraints.back().name, st.constraints.back().location});
      }
    }
  }
}

void describe_index(const Json& s, PgStatement& st) {
  st.kind = PgKind::CreateIndex;
  st.table = range_var(field(s, "relation"));
  st.index_name = str(s, "idxname");
  st.concurrent = flag(s, "concurrent");
  st.if_not_exists = flag(s, "if_not_exists");
  st.unique = flag(s, "unique");
  const Json& params = field(s, "indexParams");
  if (params.is_array()) {
    for (const Json& p : params) st.index_columns.push_back(str(unwrap(p, "IndexElem"), "name"));
  }
  if (!st.index_name.empty()) st.defined_names.push_back(QualifiedName{"", st.index_name, -1});
}

void describe_drop(const Json& s, PgStatement& st) {
  st.kind = PgKind::Drop;
  st.object_type = object_name(str(s, "removeType"));
  st.missing_ok = flag(s, "missing_ok");
  st.concurrent = flag(s, "concurrent");
  st.cascade = str(s, "behavior") == "DROP_CASCADE";
  const Json& objects = field(s, "objects");
  if (!objects.is_array()) return;
  for (const Json& o : objects) {
    const Json& list = unwrap(o, "List");
    if (&list == &o) continue;  // types, functions, ...: not named by a plain list
    st.objects.push_back(from_name_list(string_list(field(list, "items"))));
  }
  if (!st.objects.empty()) st.table = st.objects.front();
}

void describe_rename(const Json& s, PgStatement& st) {
  st.kind = PgKind::Rename;
  st.object_type = object_name(str(s, "renameType"));
  st.table = range_var(field(s, "relation"));
  st.missing_ok = flag(s, "missing_ok");
  st.new_name = str(s, "newname");
  st.old_name = str(s, "subname");
  if (st.old_name.empty()) st.old_name = st.table.name;
  st.defined_names.push_back(QualifiedName{"", st.new_name, -1});
}

std::vector<QualifiedName> range_vars(const Json& list) {
  std::vector<QualifiedName> out;
  if (!list.is_array()) return out;
  for (const Json& item : list) {
    const Json& vr = unwrap(item, "VacuumRelation");
    out.push_back(range_var(&vr != &item ? field(vr, "relation") : item));
  }
  return out;
}

void describe_transaction(const Json& s, PgStatement& st) {
  std::string kind = str(s, "kind");
  if (kind == "TRANS_STMT_BEGIN" || kind == "TRANS_STMT_START") st.kind = PgKind::Begin;
  else if (kind == "TRANS_STMT_COMMIT") st.kind = PgKind::Commit;
  else if (kind == "TRANS_STMT_ROLLBACK") st.kind = PgKind::Rollback;
  else if (kind == "TRANS_STMT_SAVEPOINT") st.kind = PgKind::Savepoint;
  else st.kind = PgKind::OtherTransaction;
}

void describe_set(const Json& s, PgStatement& st) {
  st.kind = PgKind::Set;
  st.setting = str(s, "name");
  std::transform(st.setting.begin(), st.setting.end(), st.setting.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  st.is_local = flag(s, "is_local");
  std::string kind = str(s, "kind");
  st.reset = kind == "VAR_RESET" || kind == "VAR_SET_DEFAULT" || kind == "VAR_RESET_ALL";
  const Json& args = field(s, "args");
  if (!st.reset && args.is_array() && !args.empty()) {
    const Json& c = unwrap(args[0], "A_Const");
    if (const Json& sv = field(c, "sval"); sv.is_object()) {
      st.value = str(sv, "sval");
    } else if (const Json& iv = field(c, "ival"); iv.is_object()) {
      st.value = std::to_string(integer(iv, "ival", 0));
    } else if (const Json& fv = field(c, "fval"); fv.is_object()) {
      st.value = str(fv, "fval");
    }
  }
}

}  // namespace

Volatility expression_volatility(const Json& expr, std::string& function) {
  Volatility v = Volatility::Immutable;
  walk_volatility(expr, v, function, 0);
  return v;
}

PgStatement describe_pg_statement(const Json& node, std::size_t begin, std::size_t end) {
  PgStatement st;
  st.begin = begin;
  st.end = end;
  if (!node.is_object() || node.empty()) return st;
  auto top = node.begin();
  st.node_type = top.key();
  const Json& s = top.value();
  const std::string& t = st.node_type;
  if (t == "CreateStmt") {
    describe_create_table(s, st);
  } else if (t == "CreateTableAsStmt") {
    st.kind = PgKind::CreateTableAs;
    st.table = range_var(field(field(s, "into"), "rel"));
    st.if_not_exists = flag(s, "if_not_exists");
    st.defined_names.push_back(st.table);
  } else if (t == "AlterTableStmt") {
    st.kind = PgKind::AlterTable;
    st.table = range_var(field(s, "relation"));
    st.missing_ok = flag(s, "missing_ok");
    st.alter_object = object_name(str(s, "objtype"));
    const Json& cmds = field(s, "cmds");
    if (cmds.is_array()) {
      for (const Json& c : cmds) {
        st.cmds.push_back(alter_cmd(c));
        const PgAlterCmd& cmd = st.cmds.back();
        if (cmd.kind == AlterKind::AddColumn && cmd.column) {
          st.defined_names.push_back(QualifiedName{"", cmd.column->name, cmd.column->location});
        }
        if (cmd.kind == AlterKind::AddConstraint && cmd.constraint && !cmd.constraint->name.empty()) {
          st.defined_names.push_back(QualifiedName{"", cmd.constraint->name, cmd.constraint->location});
        }
      }
    }
  } else if (t == "IndexStmt") {
    describe_index(s, st);
  } else if (t == "DropStmt") {
    describe_drop(s, st);
  } else if (t == "DropdbStmt") {
    st.kind = PgKind::DropDatabase;
    st.table.name = str(s, "dbname");
    st.missing_ok = flag(s, "missing_ok");
  } else if (t == "RenameStmt") {
    describe_rename(s, st);
  } else if (t == "TruncateStmt") {
    st.kind = PgKind::Truncate;
    st.objects = range_vars(field(s, "relations"));
    if (!st.objects.empty()) st.table = st.objects.front();
  } else if (t == "VacuumStmt") {
    st.kind = PgKind::Vacuum;
    st.objects = range_vars(field(s, "rels"));
    if (!st.objects.empty()) st.table = st.objects.front();
    const Json& options = field(s, "options");
    if (options.is_array()) {
      for (const Json& o : options) {
        const Json& d = unwrap(o, "DefElem");
        if (str(d, "defname") != "full") continue;
        // FULL, FULL true / on / 1; FULL false / off / 0 turns it off.
        const Json& arg = field(d, "arg");
        bool on = true;
        if (const Json& b = field(arg, "Boolean"); b.is_object()) {
          on = flag(b, "boolval");
        } else if (const Json& i = field(arg, "Integer"); i.is_object()) {
          on = integer(i, "ival", 0) != 0;
        } else if (const Json& sv = field(arg, "String"); sv.is_object()) {
          std::string v = str(sv, "sval");
          on = !(v == "off" || v == "false" || v == "0");
        }
        st.full = on;
      }
    }
  } else if (t == "ClusterStmt") {
    st.kind = PgKind::Cluster;
    st.table = range_var(field(s, "relation"));
    st.index_name = str(s, "indexname");
  } else if (t == "ReindexStmt") {
    st.kind = PgKind::Reindex;
    st.table = range_var(field(s, "relation"));
    if (st.table.empty()) st.table.name = str(s, "name");
    std::string kind = str(s, "kind");
    st.reindex_target = object_name(kind.starts_with("REINDEX_OBJECT_") ? kind.substr(15) : kind);
    const Json& params = field(s, "params");
    if (params.is_array()) {
      for (const Json& p : params) {
        if (str(unwrap(p, "DefElem"), "defname") == "concurrently") st.concurrent = true;
      }
    }
  } else if (t == "LockStmt") {
    st.kind = PgKind::Lock;
    st.objects = range_vars(field(s, "relations"));
    if (!st.objects.empty()) st.table = st.objects.front();
    st.lock_mode = static_cast<LockMode>(std::clamp<int64_t>(integer(s, "mode", 8), 1, 8));
  } else if (t == "RefreshMatViewStmt") {
    st.kind = PgKind::RefreshMatView;
    st.table = range_var(field(s, "relation"));
    st.concurrent = flag(s, "concurrent");
  } else if (t == "CreateTrigStmt") {
    st.kind = PgKind::CreateTrigger;
    st.table = range_var(field(s, "relation"));
  } else if (t == "TransactionStmt") {
    describe_transaction(s, st);
  } else if (t == "VariableSetStmt") {
    describe_set(s, st);
  }
  return st;
}

}  // namespace sluice::schema::lint
