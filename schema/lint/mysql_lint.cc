#include "schema/lint/mysql_lint.h"

#include <map>
#include <utility>

#include "schema/lint/migration_file.h"
#include "schema/lint/mysql_alter_parser.h"

namespace sluice::schema::lint {

using mysql::Algorithm;
using mysql::AlterOpKind;
using mysql::AlterVerdict;
using mysql::LockLevel;
using mysql::OpVerdict;

const std::vector<std::string>& mysql_rule_ids() {
  static const std::vector<std::string> kIds = {
      "mysql-alter-instant",     "mysql-alter-inplace",  "mysql-alter-rebuild",     "mysql-alter-blocks-writes",
      "mysql-alter-copy",        "mysql-alter-refused",  "mysql-optimize-table",    "mysql-rename-table",
      "mysql-rename-column",     "mysql-drop-column",    "mysql-drop-table",        "mysql-combine-alters",
      "mysql-lock-wait-timeout"};
  return kIds;
}

namespace {

constexpr const char* kOnlineTools =
    "gh-ost or pt-online-schema-change (they fill a shadow table in small chunks while writes go on, then swap "
    "the names in one short rename)";

const char* blocks_of(LockLevel l) {
  switch (l) {
    case LockLevel::None: return "nothing";
    case LockLevel::Shared: return "writes";
    case LockLevel::Exclusive: return "reads and writes";
  }
  return "nothing";
}

bool value_is_off(const std::string& v) {
  std::string u = mysql::upper_ascii(v);
  return u == "0" || u == "OFF" || u == "FALSE";
}

struct StatementCtx {
  std::size_t index;  // among the parsed statements (for ignore directives)
  const mysql::Statement* st;
};

class MysqlChecker {
 public:
  MysqlChecker(const std::string& path, const std::string& text, const MysqlLintOptions& options)
      : file_(path, text), options_(options) {
    ddl_.flavor = options.flavor;
    ddl_.default_charset = options.default_charset;
  }

  void run(LintResult& out) {
    mysql::ParsedFile parsed = mysql::parse_mysql_file(file_.text());
    for (const mysql::ParseFailure& f : parsed.failures) {
      out.errors.push_back(ParseError{file_.location(f.offset), f.message});
    }
    std::vector<StatementSpan> spans;
    for (const mysql::Statement& s : parsed.statements) spans.push_back(StatementSpan{s.offset, s.end, {}});
    std::vector<CommentSpan> comments;
    for (const auto& [b, e] : parsed.comments) {
      comments.push_back(CommentSpan{b, std::string_view(file_.text()).substr(b, e - b)});
    }
    file_.set_statements(spans, find_ignore_directives(file_.lines(), comments));

    for (std::size_t i = 0; i < parsed.statements.size(); ++i) {
      const mysql::Statement& s = parsed.statements[i];
      StatementCtx ctx{i, &s};
      switch (s.kind) {
        case mysql::StatementKind::Set: on_set(s); break;
        case mysql::StatementKind::CreateTable: schema_.apply(s.create); break;
        case mysql::StatementKind::AlterTable: on_alter(ctx); break;
        case mysql::StatementKind::RenameTable: on_rename(ctx); break;
        case mysql::StatementKind::OptimizeTable: on_optimize(ctx); break;
        case mysql::StatementKind::DropTable: on_drop_table(ctx); break;
        case mysql::StatementKind::Other: break;
      }
    }
    for (auto& [table, alters] : rebuilding_alters_) {
      if (alters.size() < 2) continue;
      Finding f = base(alters[1].first, *alters[1].second);
      f.rule = "mysql-combine-alters";
      f.severity = Severity::Warning;
      f.table = table;
      f.message = std::to_string(alters.size()) + " ALTER TABLE statements on " + table +
                  " each rebuild or copy the table; every one is a full pass over the data.";
      f.rewrites_table = true;
      f.safe_alternative = "Combine them into one ALTER TABLE with several clauses: one rebuild instead of " +
                           std::to_string(alters.size()) + ".";
      emit(std::move(f), alters[1].first);
    }
    for (Finding& f : findings_) out.findings.push_back(std::move(f));
  }

 private:
  Finding base(std::size_t index, const mysql::Statement& s) {
    Finding f;
    f.where = file_.location(s.offset);
    f.statement = file_.excerpt(file_.statements()[index]);
    return f;
  }

  void emit(Finding f, std::size_t index) {
    if (file_.is_ignored(f.rule, index)) return;
    findings_.push_back(std::move(f));
  }

  void on_set(const mysql::Statement& s) {
    for (const mysql::SetVariable& v : s.sets) {
      if (v.name == "foreign_key_checks") ddl_.foreign_key_checks = !value_is_off(v.value);
      if (v.name == "lock_wait_timeout" || v.name == "innodb_lock_wait_timeout" || v.name == "max_statement_time" ||
          v.name == "max_execution_time") {
        if (v.name == "lock_wait_timeout") lock_wait_set_ = true;
      }
      if (v.name == "alter_algorithm" && options_.flavor == mysql::Flavor::MariaDB) {
        std::string a = mysql::upper_ascii(v.value);
        if (a == "DEFAULT") ddl_.session_algorithm.reset();
        else ddl_.session_algorithm = a;
      }
    }
  }

  void check_lock_wait(const StatementCtx& ctx, const std::string& table, bool wait_clause) {
    if (lock_wait_set_ || wait_clause || lock_wait_reported_) return;
    lock_wait_reported_ = true;
    Finding f = base(ctx.index, *ctx.st);
    f.rule = "mysql-lock-wait-timeout";
    f.severity = Severity::Warning;
    f.table = table;
    f.lock = "EXCLUSIVE (metadata lock)";
    f.blocks = "reads and writes, while it waits";
    f.message = "Every ALTER TABLE needs an exclusive metadata lock on " + table +
                " at its start and end; behind a long transaction it waits up to lock_wait_timeout "
                "(default one year) and every query on the table queues behind it.";
    f.safe_alternative = "SET SESSION lock_wait_timeout = 5; at the top of the migration (retry on timeout)" +
                         std::string(options_.flavor == mysql::Flavor::MariaDB ? ", or ALTER TABLE ... WAIT 5" : "") + ".";
    emit(std::move(f), ctx.index);
  }

  static std::string describe(const AlterVerdict& v, mysql::Flavor flavor) {
    std::string algo = mysql::algorithm_name(v.algorithm, v.rebuild, flavor);
    if (v.algorithm == Algorithm::Inplace && v.rebuild && flavor == mysql::Flavor::MariaDB) algo = "INPLACE (rebuild)";
    if (v.algorithm == Algorithm::Inplace && !v.rebuild && flavor == mysql::Flavor::MySQL8) algo = "INPLACE (no rebuild)";
    return "ALGORITHM=" + algo + ", LOCK=" + mysql::to_string(v.lock);
  }

  std::string split_advice(const AlterVerdict& v) const {
    // Which clauses are cheap alone: suggest running the expensive ones apart.
    std::vector<std::string> cheap, dear;
    for (const OpVerdict& o : v.ops) {
      bool expensive = !o.rebuilt_by_others && (o.algorithm == Algorithm::Copy || o.rebuild || o.lock != LockLevel::None);
      std::string text = o.op != nullptr ? o.op->text : "";
      if (text.size() > 60) text = text.substr(0, 57) + "...";
      (expensive ? dear : cheap).push_back(text);
    }
    if (cheap.empty() || dear.empty()) return "";
    std::string s = "Split it: ";
    for (std::size_t i = 0; i < dear.size(); ++i) s += (i ? ", " : "") + dear[i];
    s += dear.size() == 1 ? " needs " : " need ";
    s += "the expensive path; the other clauses can run in their own ALTER without it.";
    return s;
  }

  void on_alter(const StatementCtx& ctx) {
    const mysql::AlterTable& a = ctx.st->alter;
    const mysql::TableModel* t = schema_.find(a.table);
    bool new_table = t != nullptr && t->created_in_file;
    if (!new_table) check_lock_wait(ctx, a.table, a.wait_clause);
    AlterVerdict v = mysql::classify_alter(a, t, ddl_);
    report_alter(ctx, a, v, t);
    report_destructive(ctx, a, new_table);
    if (!new_table && (v.rebuild || v.algorithm == Algorithm::Copy) && !v.refused) {
      rebuilding_alters_[mysql::lower_ascii(a.table)].emplace_back(ctx.index, ctx.st);
    }
    schema_.apply(a);
  }

  void report_alter(const StatementCtx& ctx, const mysql::AlterTable& a, const AlterVerdict& v, const mysql::TableModel* t) {
    mysql::Flavor flavor = options_.flavor;
    bool new_table = t != nullptr && t->created_in_file;
    Finding f = base(ctx.index, *ctx.st);
    f.table = a.table;
    for (const mysql::AlterOp& op : a.ops) {
      if (!op.name.empty() && op.kind != AlterOpKind::DropIndex && op.kind != AlterOpKind::RenameIndex &&
          op.kind != AlterOpKind::DropForeignKey && op.kind != AlterOpKind::DropConstraint &&
          op.kind != AlterOpKind::IndexVisibility) {
        f.column = op.name;
        break;
      }
      if (op.kind == AlterOpKind::AddColumn) {
        f.column = op.column.name;
        break;
      }
    }
    f.lock = mysql::to_string(v.lock);
    f.blocks = blocks_of(v.lock);
    f.rewrites_table = v.rebuild || v.algorithm == Algorithm::Copy;
    f.scans_table = v.scans;
    std::string what = a.source == mysql::AlterTable::Source::CreateIndex ? "CREATE INDEX on " + a.table
                       : a.source == mysql::AlterTable::Source::DropIndex ? "DROP INDEX on " + a.table
                                                                           : "ALTER TABLE " + a.table;
    std::string reasons;
    for (const OpVerdict& o : v.ops) {
      if (reasons.find(o.reason) == std::string::npos) reasons += (reasons.empty() ? "" : "; ") + o.reason;
    }
    std::string split = split_advice(v);

    if (v.refused) {
      f.rule = "mysql-alter-refused";
      f.severity = Severity::Error;
      f.message = "The server refuses this " + what + " (ER_ALTER_OPERATION_NOT_SUPPORTED_REASON): " + v.refusal + ".";
      AlterVerdict natural = v;
      natural.algorithm = v.natural_algorithm;
      natural.rebuild = v.natural_rebuild;
      natural.lock = v.natural_lock;
      f.safe_alternative = "What it can do is " + describe(natural, flavor) +
                           ": change the clause to that if it is acceptable for this table, or run the change with " +
                           kOnlineTools + "." + (split.empty() ? "" : " " + split);
    } else if (v.algorithm == Algorithm::Copy) {
      f.rule = "mysql-alter-copy";
      f.severity = Severity::Error;
      f.message = what + " runs as " + describe(v, flavor) + ": the table is copied row by row and writes wait until "
                  "the copy ends (" + reasons + ").";
      f.safe_alternative = copy_alternative(v) + (split.empty() ? "" : " " + split);
    } else if (v.lock != LockLevel::None && v.algorithm != Algorithm::Instant) {
      f.rule = "mysql-alter-blocks-writes";
      f.severity = Severity::Error;
      f.message = what + " runs as " + describe(v, flavor) + ": " + std::string(v.lock == LockLevel::Shared ? "writes" : "reads and writes") +
                  " wait for the whole operation (" + reasons + ").";
      f.safe_alternative = std::string("Run it in a maintenance window, or with ") + kOnlineTools + "." +
                           (split.empty() ? "" : " " + split);
    } else if (v.algorithm == Algorithm::Inplace && v.rebuild) {
      f.rule = "mysql-alter-rebuild";
      f.severity = Severity::Warning;
      f.message = what + " runs as " + describe(v, flavor) + ": writes go on, but the whole table is rebuilt (" + reasons + ").";
      if (v.combination_penalty) {
        f.message += " The instant column changes rebuild only because other clauses share the statement.";
      }
      f.safe_alternative =
          std::string("A rebuild needs free space for a second copy and replicas apply it only after it ends (lag for "
                      "its whole duration); state ALGORITHM=INPLACE, LOCK=NONE so the server refuses rather than "
                      "blocking, and for large tables use ") + kOnlineTools + "." +
          (v.combination_penalty ? " Split it: run the column additions / drops / moves in their own ALTER with "
                                   "ALGORITHM=INSTANT and the rest separately."
                                 : "");
    } else if (v.algorithm == Algorithm::Inplace) {
      f.rule = "mysql-alter-inplace";
      f.severity = v.scans ? Severity::Warning : Severity::Notice;
      f.message = what + " runs as " + describe(v, flavor) + ": writes go on" +
                  (v.scans ? ", the whole table is read to build the index" : ", metadata only") + " (" + reasons + ").";
      f.safe_alternative = v.scans ? "State ALGORITHM=INPLACE, LOCK=NONE so the server refuses rather than blocking; "
                                     "replicas build the index after the primary and lag for as long."
                                   : "Nothing to do; ALGORITHM=INPLACE, LOCK=NONE makes the expectation explicit.";
    } else {
      f.rule = "mysql-alter-instant";
      f.severity = Severity::Notice;
      f.message = what + " runs as " + describe(v, flavor) + ": metadata only (" + reasons + ").";
      f.safe_alternative = v.lock == LockLevel::Exclusive
                               ? "Instant, but it needs an exclusive lock for that instant: keep lock_wait_timeout short."
                               : "State ALGORITHM=INSTANT so the server refuses instead of silently rebuilding if the "
                                 "table is not what the migration expects.";
    }
    // A COPY verdict that rests on an assumption (the current column type is unknown) is a warning.
    bool assumed_copy = false;
    for (const OpVerdict& o : v.ops) assumed_copy = assumed_copy || (!o.assumption.empty() && o.algorithm == Algorithm::Copy);
    if (assumed_copy && !v.refused && f.severity == Severity::Error) f.severity = Severity::Warning;
    for (const OpVerdict& o : v.ops) {
      if (!o.assumption.empty()) f.notes.push_back("Assumption: " + o.assumption + ".");
    }
    if (v.ops.size() > 1) {
      for (const OpVerdict& o : v.ops) {
        std::string text = o.op != nullptr ? o.op->text : "";
        if (text.size() > 80) text = text.substr(0, 77) + "...";
        f.notes.push_back(text + ": " + mysql::algorithm_name(o.algorithm, o.rebuild, flavor) + ", LOCK=" +
                          mysql::to_string(o.lock));
      }
    }
    if (new_table) {
      if (f.severity != Severity::Error || !v.refused) f.severity = Severity::Notice;
      f.notes.push_back(a.table + " is created earlier in this file: it is empty, so the algorithm costs nothing.");
    }
    f.notes.push_back(std::string("Rules of ") + (flavor == mysql::Flavor::MariaDB ? "MariaDB 10.11" : "MySQL 8.0.29+") +
                      " InnoDB online DDL; every ALTER also takes a brief exclusive metadata lock at its start and end" +
                      (flavor == mysql::Flavor::MySQL8 ? "; MySQL 8 allows 64 instant row versions per table, then "
                                                         "ALGORITHM=INSTANT is refused until the table is rebuilt."
                                                       : "."));
    emit(std::move(f), ctx.index);
  }

  static std::string copy_alternative(const AlterVerdict& v) {
    for (const OpVerdict& o : v.ops) {
      if (o.algorithm != Algorithm::Copy || o.op == nullptr) continue;
      const mysql::AlterOp& op = *o.op;
      if (op.kind == AlterOpKind::AddKey && op.key.kind == mysql::KeyKind::Foreign) {
        return "SET foreign_key_checks = 0 for this session before the ALTER makes it INPLACE/INSTANT without "
               "checking existing rows: check them first with a LEFT JOIN query, then SET foreign_key_checks = 1.";
      }
      if (op.kind == AlterOpKind::DropPrimaryKey) {
        return "Drop and add the new primary key in the same ALTER (DROP PRIMARY KEY, ADD PRIMARY KEY (...)): that "
               "is INPLACE with LOCK=NONE; or use " + std::string(kOnlineTools) + ".";
      }
      if (op.kind == AlterOpKind::ModifyColumn && o.reason.find("255-byte") != std::string::npos) {
        return "Widen it within its length-byte class (up to 255 bytes, or from 256 bytes up) for an instant change, "
               "or run it with " + std::string(kOnlineTools) + ".";
      }
    }
    return std::string("Run it with ") + kOnlineTools + ".";
  }

  void report_destructive(const StatementCtx& ctx, const mysql::AlterTable& a, bool new_table) {
    if (new_table) return;
    for (const mysql::AlterOp& op : a.ops) {
      Finding f = base(ctx.index, *ctx.st);
      f.table = a.table;
      f.severity = Severity::Warning;
      if (op.kind == AlterOpKind::DropColumn) {
        f.rule = "mysql-drop-column";
        f.column = op.name;
        f.message = "Drops the column " + op.name + " of " + a.table +
                    ": its data is gone, and running application code that still names it fails.";
        f.safe_alternative = "Stop reading and writing the column in a deploy first; drop it in a later migration.";
      } else if (op.kind == AlterOpKind::RenameColumn ||
                 (op.kind == AlterOpKind::ModifyColumn && mysql::lower_ascii(op.name) != mysql::lower_ascii(op.column.name))) {
        f.rule = "mysql-rename-column";
        f.column = op.name;
        std::string to = op.kind == AlterOpKind::RenameColumn ? op.new_name : op.column.name;
        f.message = "Renames the column " + op.name + " of " + a.table + " to " + to +
                    ": running application code that uses the old name fails at once.";
        f.safe_alternative = "Add the new column, write both, backfill, switch reads, then drop the old one.";
      } else if (op.kind == AlterOpKind::RenameTable) {
        f.rule = "mysql-rename-table";
        f.message = "Renames the table " + a.table + " to " + op.new_name +
                    ": running application code that uses the old name fails at once.";
        f.safe_alternative = "Deploy code that copes with both names first (or a view under the old name), then rename.";
      } else {
        continue;
      }
      emit(std::move(f), ctx.index);
    }
  }

  void on_rename(const StatementCtx& ctx) {
    for (const auto& [from, to] : ctx.st->renames) {
      const mysql::TableModel* t = schema_.find(from);
      bool new_table = t != nullptr && t->created_in_file;
      if (!new_table) {
        Finding f = base(ctx.index, *ctx.st);
        f.rule = "mysql-rename-table";
        f.severity = Severity::Warning;
        f.table = from;
        f.lock = "EXCLUSIVE (metadata lock, instant)";
        f.blocks = "reads and writes, for an instant";
        f.message = "RENAME TABLE " + from + " TO " + to +
                    " is instant (metadata only), but running application code that uses the old name fails at once.";
        f.safe_alternative = "Deploy code that copes with both names first (or a view under the old name), then rename.";
        emit(std::move(f), ctx.index);
      }
      schema_.rename(from, to);
    }
  }

  void on_optimize(const StatementCtx& ctx) {
    for (const std::string& table : ctx.st->tables) {
      const mysql::TableModel* t = schema_.find(table);
      AlterVerdict v = mysql::classify_optimize(t, ddl_);
      Finding f = base(ctx.index, *ctx.st);
      f.rule = "mysql-optimize-table";
      f.table = table;
      f.lock = mysql::to_string(v.lock);
      f.blocks = blocks_of(v.lock);
      f.rewrites_table = true;
      f.scans_table = true;
      if (v.algorithm == Algorithm::Copy) {
        f.severity = Severity::Error;
        f.message = "OPTIMIZE TABLE " + table + " rebuilds the table with ALGORITHM=COPY (FULLTEXT index or not InnoDB): "
                    "writes wait for the whole copy.";
      } else {
        f.severity = Severity::Warning;
        f.message = "OPTIMIZE TABLE " + table + " rebuilds the whole table (ALTER TABLE ... FORCE: ALGORITHM=INPLACE, "
                    "LOCK=NONE) and then analyzes it; writes go on but the rebuild is I/O heavy and replicas lag.";
      }
      f.safe_alternative = std::string("Run it in a quiet window, or rebuild with a no-op ALTER (ENGINE=InnoDB) run by ") +
                           kOnlineTools + ".";
      if (t != nullptr && t->created_in_file) f.severity = Severity::Notice;
      check_lock_wait(ctx, table, false);
      emit(std::move(f), ctx.index);
    }
  }

  void on_drop_table(const StatementCtx& ctx) {
    for (const std::string& table : ctx.st->tables) {
      const mysql::TableModel* t = schema_.find(table);
      if (!(t != nullptr && t->created_in_file)) {
        Finding f = base(ctx.index, *ctx.st);
        f.rule = "mysql-drop-table";
        f.severity = Severity::Warning;
        f.table = table;
        f.lock = "EXCLUSIVE (metadata lock)";
        f.blocks = "reads and writes, while the file is removed";
        f.message = "Drops the table " + table + ": its data is gone, and running application code that uses it fails.";
        f.safe_alternative = "Stop using the table in a deploy first; rename it aside and drop it in a later migration.";
        emit(std::move(f), ctx.index);
      }
      schema_.drop(table);
    }
  }

  MigrationFile file_;
  MysqlLintOptions options_;
  mysql::OnlineDdlOptions ddl_;
  mysql::SchemaModel schema_;
  bool lock_wait_set_ = false;
  bool lock_wait_reported_ = false;
  std::map<std::string, std::vector<std::pair<std::size_t, const mysql::Statement*>>> rebuilding_alters_;
  std::vector<Finding> findings_;
};

}  // namespace

void lint_mysql_file(const std::string& path, const std::string& text, LintResult& out, const MysqlLintOptions& options) {
  MysqlChecker checker(path, text, options);
  checker.run(out);
}

void lint_mysql_file(const std::string& path, const std::string& text, LintResult& out) {
  lint_mysql_file(path, text, out, MysqlLintOptions{});
}

}  // namespace sluice::schema::lint
