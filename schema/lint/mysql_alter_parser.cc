// The MySQL / MariaDB statement parser of mysql_alter_parser.h (its tokens come from
// mysql_tokenizer.cc): ALTER TABLE, CREATE TABLE, CREATE / DROP INDEX, RENAME, OPTIMIZE, DROP
// TABLE and SET, recursive descent over one statement's tokens.
#include "schema/lint/mysql_alter_parser.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <optional>

namespace sluice::schema::lint::mysql {

namespace {

struct Failure {
  std::size_t offset;
  std::string message;
};

class Parser {
 public:
  Parser(std::string_view text, const SqlStatement& st) : text_(text), t_(st.tokens), end_offset_(st.end) {}

  Statement parse() {
    Statement s;
    s.offset = t_.empty() ? 0 : t_.front().offset;
    s.end = end_offset_;
    if (word_is("ALTER")) {
      std::size_t save = i_;
      ++i_;
      bool online = accept("ONLINE");
      accept("IGNORE");
      if (accept("TABLE")) {
        s.kind = StatementKind::AlterTable;
        s.alter = parse_alter_table(online);
        return s;
      }
      i_ = save;
      return s;  // ALTER DATABASE / VIEW / USER / ...: not ours
    }
    if (word_is("CREATE")) {
      std::size_t save = i_;
      ++i_;
      if (accept("OR")) expect("REPLACE");
      bool temporary = accept("TEMPORARY");
      if (accept("TABLE")) {
        s.kind = StatementKind::CreateTable;
        s.create = parse_create_table();
        s.create.temporary = temporary;
        return s;
      }
      accept("ONLINE");
      accept("OFFLINE");
      KeyKind kind = KeyKind::Index;
      if (accept("UNIQUE")) kind = KeyKind::Unique;
      else if (accept("FULLTEXT")) kind = KeyKind::Fulltext;
      else if (accept("SPATIAL")) kind = KeyKind::Spatial;
      if (accept("INDEX")) {
        s.kind = StatementKind::AlterTable;
        s.alter = parse_create_index(kind);
        return s;
      }
      if (kind != KeyKind::Index) fail("expected INDEX");
      i_ = save;
      return s;
    }
    if (word_is("DROP")) {
      std::size_t save = i_;
      ++i_;
      accept("ONLINE");
      accept("OFFLINE");
      if (accept("INDEX")) {
        s.kind = StatementKind::AlterTable;
        s.alter = parse_drop_index();
        return s;
      }
      accept("TEMPORARY");
      if (accept("TABLE")) {
        s.kind = StatementKind::DropTable;
        if (accept("IF")) expect("EXISTS");
        s.tables.push_back(qualified_name("a table name"));
        while (accept_punct(",")) s.tables.push_back(qualified_name("a table name"));
        return s;
      }
      i_ = save;
      return s;
    }
    if (word_is("RENAME") && word_at(i_ + 1, "TABLE")) {
      i_ += 2;
      s.kind = StatementKind::RenameTable;
      do {
        std::string from = qualified_name("a table name");
        expect("TO");
        std::string to = qualified_name("the new table name");
        s.renames.emplace_back(from, to);
      } while (accept_punct(","));
      expect_end();
      return s;
    }
    if (word_is("OPTIMIZE")) {
      ++i_;
      if (!accept("NO_WRITE_TO_BINLOG")) accept("LOCAL");
      if (!accept("TABLE")) expect("TABLES");
      s.kind = StatementKind::OptimizeTable;
      s.tables.push_back(qualified_name("a table name"));
      while (accept_punct(",")) s.tables.push_back(qualified_name("a table name"));
      expect_end();
      return s;
    }
    if (word_is("SET")) {
      ++i_;
      s.kind = StatementKind::Set;
      parse_set(s.sets);
      return s;
    }
    return s;
  }

 private:
  // --- token helpers ---
  bool done() const { return i_ >= t_.size(); }
  const Token* peek(std::size_t k = 0) const { return i_ + k < t_.size() ? &t_[i_ + k] : nullptr; }
  std::size_t here() const { return done() ? end_offset_ : t_[i_].offset; }

  bool word_at(std::size_t i, std::string_view upper) const {
    return i < t_.size() && t_[i].kind == TokenKind::Word && upper_ascii(t_[i].text) == upper;
  }
  bool word_is(std::string_view upper) const { return word_at(i_, upper); }
  bool accept(std::string_view upper) {
    if (!word_is(upper)) return false;
    ++i_;
    return true;
  }
  bool accept_seq(std::initializer_list<std::string_view> words) {
    std::size_t k = 0;
    for (std::string_view w : words) {
      if (!word_at(i_ + k, w)) return false;
      ++k;
    }
    i_ += k;
    return true;
  }
  bool punct_is(std::string_view p) const { return !done() && t_[i_].kind == TokenKind::Punct && t_[i_].text == p; }
  bool accept_punct(std::string_view p) {
    if (!punct_is(p)) return false;
    ++i_;
    return true;
  }

  [[noreturn]] void fail(const std::string& expected) const {
    if (done()) throw Failure{end_offset_, "expected " + expected + " at the end of the statement"};
    throw Failure{t_[i_].offset, "expected " + expected + ", found '" + t_[i_].text + "'"};
  }
  void expect(std::string_view upper) {
    if (!accept(upper)) fail(std::string(upper));
  }
  void expect_punct(std::string_view p) {
    if (!accept_punct(p)) fail("'" + std::string(p) + "'");
  }
  void expect_end() {
    if (!done()) throw Failure{t_[i_].offset, "unexpected '" + t_[i_].text + "' after the end of the statement"};
  }

  // An identifier: a word or a `quoted` name (also a 'string' where MySQL allows one).
  // (a "double quoted" name too, for ANSI_QUOTES files).
  bool is_name_token(const Token* t) const {
    return t != nullptr && (t->kind == TokenKind::Word || t->kind == TokenKind::Identifier ||
                            (t->kind == TokenKind::String && !t->text.empty() && t->text.front() == '"'));
  }
  std::string name(const std::string& what) {
    if (!is_name_token(peek())) fail(what);
    return unquote(t_[i_++]);
  }
  std::string qualified_name(const std::string& what) {
    std::string n = name(what);
    while (punct_is(".") && is_name_token(peek(1))) {
      i_ += 1;
      n += "." + name(what);
    }
    return n;
  }

  // Skips a balanced ( ... ) group starting at the current '('; returns its inner text.
  std::string skip_parens() {
    if (!punct_is("(")) fail("'('");
    std::size_t open = i_;
    int depth = 0;
    while (!done()) {
      if (punct_is("(")) ++depth;
      else if (punct_is(")")) {
        --depth;
        if (depth == 0) {
          std::size_t b = t_[open].end;
          std::size_t e = t_[i_].offset;
          ++i_;
          return std::string(text_.substr(b, e - b));
        }
      }
      ++i_;
    }
    throw Failure{t_[open].offset, "unbalanced parenthesis: '(' is never closed"};
  }

  // Skips tokens up to (not including) a ',' or ')' at depth 0, or the end.
  void skip_to_clause_end() {
    while (!done() && !punct_is(",") && !punct_is(")")) {
      if (punct_is("(")) skip_parens();
      else ++i_;
    }
  }

  std::string source_text(std::size_t from_token, std::size_t to_token) const {
    if (from_token >= to_token || from_token >= t_.size()) return "";
    std::size_t b = t_[from_token].offset;
    std::size_t e = t_[std::min(to_token, t_.size()) - 1].end;
    return std::string(text_.substr(b, e - b));
  }

  // A literal value or simple expression: 'x', 5, -5, NULL, CURRENT_TIMESTAMP(6), (expr), f(x).
  std::string value_text() {
    std::size_t from = i_;
    if (done()) fail("a value");
    if (punct_is("(")) {
      skip_parens();
      return source_text(from, i_);
    }
    if (punct_is("-") || punct_is("+")) ++i_;
    if (done() || t_[i_].kind == TokenKind::Punct) fail("a value");
    ++i_;
    if (punct_is("(") && t_[i_ - 1].kind == TokenKind::Word) skip_parens();
    return source_text(from, i_);
  }

  static std::string unquote(const Token& t) {
    if (t.kind == TokenKind::String && t.text.size() >= 2 && (t.text.front() == '\'' || t.text.front() == '"')) {
      std::string out;
      char q = t.text.front();
      for (std::size_t i = 1; i + 1 < t.text.size(); ++i) {
        if (t.text[i] == '\\' && i + 2 < t.text.size()) {
          out += t.text[++i];
        } else if (t.text[i] == q && t.text[i + 1] == q) {
          out += q;
          ++i;
        } else {
          out += t.text[i];
        }
      }
      return out;
    }
    return t.text;
  }

  // option value after [=]: a word, string, number or name.
  std::string option_value(const std::string& what) {
    accept_punct("=");
    if (done() || t_[i_].kind == TokenKind::Punct) fail(what);
    return unquote(t_[i_++]);
  }

  std::string charset_name() {
    if (done() || t_[i_].kind == TokenKind::Punct) fail("a character set name");
    return lower_ascii(unquote(t_[i_++]));
  }

  // --- data types and columns ---
  DataType data_type() {
    DataType d;
    if (!is_name_token(peek()) || peek()->kind != TokenKind::Word) fail("a data type");
    d.name = upper_ascii(t_[i_++].text);
    // Two-word types.
    if ((d.name == "DOUBLE" && accept("PRECISION")) || (d.name == "LONG" && (accept("VARCHAR") || accept("VARBINARY")))) {
      d.name = d.name == "LONG" ? "MEDIUMTEXT" : "DOUBLE";
    }
    if (d.name == "NATIONAL") {
      if (accept("CHAR") || accept("CHARACTER")) d.name = "CHAR";
      else if (accept("VARCHAR")) d.name = "VARCHAR";
      else fail("CHAR or VARCHAR after NATIONAL");
      d.charset = "utf8mb3";
    } else if (d.name == "NCHAR" || d.name == "NVARCHAR") {
      d.name = d.name == "NCHAR" ? "CHAR" : "VARCHAR";
      d.charset = "utf8mb3";
    } else if (d.name == "CHARACTER") {
      d.name = "CHAR";
    }
    if (d.name == "CHAR" && accept("VARYING")) d.name = "VARCHAR";
    if (d.name == "INTEGER") d.name = "INT";
    if (d.name == "BOOL" || d.name == "BOOLEAN") {
      d.name = "TINYINT";
      d.args = {"1"};
    }
    if (d.name == "DEC" || d.name == "NUMERIC" || d.name == "FIXED") d.name = "DECIMAL";
    if (punct_is("(")) {
      std::size_t open = i_;
      ++i_;
      while (!done() && !punct_is(")")) {
        if (punct_is(",")) {
          ++i_;
          continue;
        }
        d.args.push_back(t_[i_].kind == TokenKind::String ? t_[i_].text : upper_ascii(t_[i_].text));
        ++i_;
      }
      if (done()) throw Failure{t_[open].offset, "unbalanced parenthesis: '(' is never closed"};
      ++i_;
    }
    while (true) {
      if (accept("UNSIGNED")) d.is_unsigned = true;
      else if (accept("SIGNED")) {}
      else if (accept("ZEROFILL")) d.zerofill = true;
      else if (accept("BINARY")) {}
      else if (accept("ASCII")) d.charset = "latin1";
      else if (accept("UNICODE")) d.charset = "ucs2";
      else if (accept_seq({"CHARACTER", "SET"}) || accept("CHARSET")) d.charset = charset_name();
      else if (accept("COLLATE")) d.collation = charset_name();
      else break;
    }
    if (d.charset == "utf8") d.charset = "utf8mb3";
    return d;
  }

  ColumnDef column_def(std::string col_name) {
    ColumnDef c;
    c.name = std::move(col_name);
    c.type = data_type();
    while (!done() && !punct_is(",") && !punct_is(")")) {
      if (accept_seq({"NOT", "NULL"})) c.not_null = true;
      else if (accept("NULL")) c.not_null = false;
      else if (accept("DEFAULT")) {
        c.has_default = true;
        c.default_text = value_text();
      } else if (accept("AUTO_INCREMENT")) c.auto_increment = true;
      else if (accept_seq({"PRIMARY", "KEY"})) c.primary_key = true;
      else if (accept("UNIQUE")) {
        c.unique = true;
        if (!accept("KEY")) accept("INDEX");
      } else if (accept("KEY")) c.primary_key = true;  // KEY alone in a column definition means PRIMARY KEY
      else if (accept("COMMENT")) c.comment = option_value("a comment string");
      else if (accept("COLLATE")) c.type.collation = charset_name();
      else if (accept_seq({"CHARACTER", "SET"}) || accept("CHARSET")) c.type.charset = charset_name();
      else if (accept("GENERATED")) {
        expect("ALWAYS");
        if (!word_is("AS")) fail("AS");
      } else if (accept("AS")) {
        c.generated = Generated::Virtual;
        c.generated_expr = skip_parens();
        if (accept("STORED") || accept("PERSISTENT")) c.generated = Generated::Stored;
        else accept("VIRTUAL");
      } else if (accept("INVISIBLE")) c.invisible = true;
      else if (accept("VISIBLE")) c.invisible = false;
      else if (accept_seq({"ON", "UPDATE"})) value_text();
      else if (accept("CHECK")) {
        c.has_check = true;
        skip_parens();
      } else if (accept("CONSTRAINT")) {
        if (!word_is("CHECK")) name("a constraint name");
      } else if (accept("REFERENCES")) {
        c.references = true;
        qualified_name("the referenced table");
        if (punct_is("(")) skip_parens();
        skip_to_clause_end();  // MATCH / ON DELETE / ON UPDATE ...
      } else if (accept("COLUMN_FORMAT") || accept("STORAGE") || accept("SRID") || accept("ENGINE_ATTRIBUTE") ||
                 accept("SECONDARY_ENGINE_ATTRIBUTE")) {
        option_value("a value");
      } else if (accept("COMPRESSED")) {
        if (punct_is("=")) option_value("a compression method");
      } else if (accept_seq({"WITH", "SYSTEM", "VERSIONING"}) || accept_seq({"WITHOUT", "SYSTEM", "VERSIONING"})) {
      } else if (accept("FIRST")) c.first = true;
      else if (accept("AFTER")) c.after = name("a column name after AFTER");
      else if (accept("SERIAL")) {
        expect("DEFAULT");
        expect("VALUE");
      } else {
        fail("a column attribute");
      }
    }
    return c;
  }

  // ( col [(len)] [ASC|DESC], ... ) or functional key parts ((expr)).
  std::vector<std::string> key_parts() {
    std::vector<std::string> cols;
    expect_punct("(");
    while (true) {
      if (punct_is("(")) {
        cols.push_back("(" + skip_parens() + ")");
      } else {
        cols.push_back(name("a column name"));
        if (punct_is("(")) skip_parens();
      }
      if (!accept("ASC")) accept("DESC");
      if (accept_punct(",")) continue;
      expect_punct(")");
      break;
    }
    return cols;
  }

  // After the key's columns: USING BTREE, COMMENT '...', KEY_BLOCK_SIZE = n, VISIBLE, IGNORED, ...
  void index_options() {
    while (true) {
      if (accept("USING")) {
        name("an index type");
      } else if (accept("COMMENT") || accept("KEY_BLOCK_SIZE") || accept("ENGINE_ATTRIBUTE") ||
                 accept("SECONDARY_ENGINE_ATTRIBUTE")) {
        option_value("a value");
      } else if (accept_seq({"WITH", "PARSER"})) {
        name("a parser name");
      } else if (accept("VISIBLE") || accept("INVISIBLE") || accept("IGNORED") || accept_seq({"NOT", "IGNORED"}) ||
                 accept("CLUSTERING")) {
        if (punct_is("=")) option_value("a value");
      } else {
        break;
      }
    }
  }

  // A key definition inside CREATE TABLE or after ADD, from the current token. Returns false when
  // the tokens do not start a key (then nothing is consumed).
  bool key_def(KeyDef& k) {
    std::size_t save = i_;
    std::string constraint_name;
    bool constraint = false;
    if (accept("CONSTRAINT")) {
      constraint = true;
      if (!word_is("PRIMARY") && !word_is("UNIQUE") && !word_is("FOREIGN") && !word_is("CHECK")) {
        accept_seq({"IF", "NOT", "EXISTS"});
        constraint_name = name("a constraint name");
      }
    }
    if (accept("PRIMARY")) {
      expect("KEY");
      k.kind = KeyKind::Primary;
      k.name = "PRIMARY";
    } else if (accept("UNIQUE")) {
      k.kind = KeyKind::Unique;
      if (!accept("KEY")) accept("INDEX");
    } else if (accept("FULLTEXT") || accept("SPATIAL")) {
      k.kind = upper_ascii(t_[i_ - 1].text) == "FULLTEXT" ? KeyKind::Fulltext : KeyKind::Spatial;
      if (!accept("KEY")) accept("INDEX");
    } else if (accept("KEY") || accept("INDEX")) {
      k.kind = KeyKind::Index;
    } else if (accept("FOREIGN")) {
      expect("KEY");
      k.kind = KeyKind::Foreign;
    } else if (accept("CHECK")) {
      k.kind = KeyKind::Check;
      skip_parens();
      if (!accept("ENFORCED")) accept_seq({"NOT", "ENFORCED"});
      k.name = constraint_name;
      return true;
    } else {
      if (constraint) fail("PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK");
      i_ = save;
      return false;
    }
    if (k.kind != KeyKind::Primary) {
      accept_seq({"IF", "NOT", "EXISTS"});
      if (is_name_token(peek()) && !word_is("USING")) k.name = name("an index name");
      if (k.name.empty()) k.name = constraint_name;
    }
    if (accept("USING")) name("an index type");
    k.columns = key_parts();
    if (k.kind == KeyKind::Foreign) {
      expect("REFERENCES");
      k.ref_table = qualified_name("the referenced table");
      if (punct_is("(")) k.ref_columns = key_parts();
      skip_to_clause_end();
    } else {
      index_options();
    }
    return true;
  }

  // --- statements ---
  void table_options(CreateTable* create, AlterTable* alter, std::size_t clause_start) {
    // One option (the caller loops). Returns through the outputs.
    std::string opt = upper_ascii(t_[i_].text);
    if (accept("DEFAULT")) opt = upper_ascii(peek() != nullptr ? peek()->text : "");
    std::string value;
    if (accept_seq({"CHARACTER", "SET"}) || accept("CHARSET")) {
      opt = "CHARACTER SET";
      value = lower_ascii(option_value("a character set name"));
      if (value == "utf8") value = "utf8mb3";
    } else if (accept("COLLATE")) {
      opt = "COLLATE";
      value = lower_ascii(option_value("a collation name"));
    } else if (accept("UNION")) {
      accept_punct("=");
      skip_parens();
    } else if (accept("DATA") || accept("INDEX")) {
      opt += " DIRECTORY";
      expect("DIRECTORY");
      value = option_value("a directory");
    } else {
      ++i_;
      if (opt == "TABLESPACE") {
        value = option_value("a tablespace name");
        if (accept("STORAGE")) name("DISK or MEMORY");
      } else {
        value = option_value("a value for " + opt);
      }
    }
    if (create != nullptr) {
      if (opt == "ENGINE" || opt == "TYPE") create->engine = value;
      else if (opt == "ROW_FORMAT") create->row_format = upper_ascii(value);
      else if (opt == "CHARACTER SET") create->charset = value;
    }
    if (alter != nullptr) {
      AlterOp op;
      op.kind = AlterOpKind::TableOption;
      op.offset = t_[clause_start].offset;
      op.text = source_text(clause_start, i_);
      op.option = opt == "TYPE" ? "ENGINE" : opt;
      op.value = value;
      alter->ops.push_back(std::move(op));
    }
  }

  static bool is_table_option_word(const std::string& w) {
    static const char* const kOptions[] = {
        "ENGINE", "TYPE", "ROW_FORMAT", "AUTO_INCREMENT", "COMMENT", "CHARACTER", "CHARSET", "COLLATE", "DEFAULT",
        "KEY_BLOCK_SIZE", "STATS_PERSISTENT", "STATS_AUTO_RECALC", "STATS_SAMPLE_PAGES", "PAGE_COMPRESSED",
        "PAGE_COMPRESSION_LEVEL", "AVG_ROW_LENGTH", "MAX_ROWS", "MIN_ROWS", "PACK_KEYS", "CHECKSUM",
        "TABLE_CHECKSUM", "DELAY_KEY_WRITE", "INSERT_METHOD", "PASSWORD", "CONNECTION", "COMPRESSION",
        "ENCRYPTION", "ENCRYPTED", "ENCRYPTION_KEY_ID", "TABLESPACE", "UNION", "DATA", "INDEX",
        "TRANSACTIONAL", "PAGE_CHECKSUM", "IETF_QUOTES", "SEQUENCE", "AUTOEXTEND_SIZE", "START",
        "SECONDARY_ENGINE", "ENGINE_ATTRIBUTE", "SECONDARY_ENGINE_ATTRIBUTE", "STORAGE"};
    for (const char* o : kOptions) {
      if (w == o) return true;
    }
    return false;
  }

  void algorithm_or_lock(AlterTable& a) {
    bool is_algo = upper_ascii(t_[i_].text) == "ALGORITHM";
    ++i_;
    accept_punct("=");
    if (done() || t_[i_].kind != TokenKind::Word) fail(is_algo ? "an algorithm" : "a lock mode");
    std::string v = upper_ascii(t_[i_].text);
    static const char* const kAlgos[] = {"DEFAULT", "INSTANT", "NOCOPY", "INPLACE", "COPY"};
    static const char* const kLocks[] = {"DEFAULT", "NONE", "SHARED", "EXCLUSIVE"};
    bool known = false;
    if (is_algo) {
      for (const char* k : kAlgos) known = known || v == k;
    } else {
      for (const char* k : kLocks) known = known || v == k;
    }
    if (!known) {
      throw Failure{t_[i_].offset, std::string("unknown ") + (is_algo ? "ALGORITHM" : "LOCK") + " '" + t_[i_].text + "'"};
    }
    ++i_;
    (is_algo ? a.algorithm : a.lock) = v;
  }

  AlterTable parse_alter_table(bool online) {
    AlterTable a;
    a.online = online;
    accept_seq({"IF", "EXISTS"});
    a.table_offset = here();
    a.table = qualified_name("a table name");
    if (accept("WAIT")) {
      value_text();
      a.wait_clause = true;
    } else if (accept("NOWAIT")) {
      a.wait_clause = true;
    }
    if (done()) fail("an ALTER TABLE clause");
    while (true) {
      alter_clause(a);
      if (done()) break;
      if (accept_punct(",")) continue;
      // Partition options and table options may follow without a comma.
      if (word_is("PARTITION") || word_is("REMOVE") || word_is("ALGORITHM") || word_is("LOCK") ||
          is_table_option_word(upper_ascii(t_[i_].text))) {
        continue;
      }
      throw Failure{t_[i_].offset, "expected ',' or the end of the statement, found '" + t_[i_].text + "'"};
    }
    return a;
  }

  void push_op(AlterTable& a, AlterOp op, std::size_t from) {
    op.offset = t_[from].offset;
    op.text = source_text(from, i_);
    a.ops.push_back(std::move(op));
  }

  void alter_clause(AlterTable& a) {
    std::size_t from = i_;
    if (done()) fail("an ALTER TABLE clause");
    if (t_[i_].kind != TokenKind::Word) fail("an ALTER TABLE clause");
    std::string w = upper_ascii(t_[i_].text);
    AlterOp op;
    if (w == "ALGORITHM" || w == "LOCK") {
      algorithm_or_lock(a);
      return;
    }
    if (accept("ADD")) {
      if (accept_seq({"SYSTEM", "VERSIONING"})) {
        op.kind = AlterOpKind::SystemVersioning;
        op.option = "ADD";
        return push_op(a, op, from);
      }
      if (accept("PARTITION") || accept("PERIOD")) {
        op.kind = AlterOpKind::Partition;
        op.option = "ADD";
        accept_seq({"IF", "NOT", "EXISTS"});
        if (punct_is("(")) skip_parens();
        else if (accept("PARTITIONS")) value_text();
        else skip_to_clause_end();
        return push_op(a, op, from);
      }
      KeyDef k;
      if (key_def(k)) {
        op.kind = AlterOpKind::AddKey;
        op.key = k;
        return push_op(a, op, from);
      }
      accept("COLUMN");
      accept_seq({"IF", "NOT", "EXISTS"});
      if (punct_is("(")) {
        // ADD (c1 INT, c2 INT): several columns at once.
        ++i_;
        while (true) {
          std::size_t col_from = i_;
          AlterOp c;
          c.kind = AlterOpKind::AddColumn;
          std::string col = name("a column name");
          c.column = column_def(col);
          push_op(a, c, col_from);
          if (accept_punct(",")) continue;
          expect_punct(")");
          break;
        }
        return;
      }
      op.kind = AlterOpKind::AddColumn;
      std::string col = name("a column name");
      op.column = column_def(col);
      return push_op(a, op, from);
    }
    if (accept("DROP")) {
      if (accept_seq({"PRIMARY", "KEY"})) {
        op.kind = AlterOpKind::DropPrimaryKey;
        return push_op(a, op, from);
      }
      if (accept_seq({"SYSTEM", "VERSIONING"})) {
        op.kind = AlterOpKind::SystemVersioning;
        op.option = "DROP";
        return push_op(a, op, from);
      }
      if (accept("INDEX") || accept("KEY")) {
        op.kind = AlterOpKind::DropIndex;
      } else if (accept("FOREIGN")) {
        expect("KEY");
        op.kind = AlterOpKind::DropForeignKey;
      } else if (accept("CHECK") || accept("CONSTRAINT")) {
        op.kind = AlterOpKind::DropConstraint;
      } else if (accept("PARTITION") || accept("PERIOD")) {
        op.kind = AlterOpKind::Partition;
        op.option = "DROP";
        skip_to_clause_end();
        return push_op(a, op, from);
      } else {
        accept("COLUMN");
        op.kind = AlterOpKind::DropColumn;
      }
      accept_seq({"IF", "EXISTS"});
      op.name = name(op.kind == AlterOpKind::DropColumn ? "a column name" : "a name");
      if (op.kind == AlterOpKind::DropColumn) {
        if (!accept("RESTRICT")) accept("CASCADE");
      }
      return push_op(a, op, from);
    }
    if (accept("MODIFY")) {
      accept("COLUMN");
      accept_seq({"IF", "EXISTS"});
      op.kind = AlterOpKind::ModifyColumn;
      op.name = name("a column name");
      op.column = column_def(op.name);
      return push_op(a, op, from);
    }
    if (accept("CHANGE")) {
      accept("COLUMN");
      accept_seq({"IF", "EXISTS"});
      op.kind = AlterOpKind::ModifyColumn;
      op.name = name("a column name");
      std::string new_name = name("the new column name");
      op.column = column_def(new_name);
      return push_op(a, op, from);
    }
    if (accept("RENAME")) {
      if (accept("COLUMN")) {
        accept_seq({"IF", "EXISTS"});
        op.kind = AlterOpKind::RenameColumn;
        op.name = name("a column name");
        expect("TO");
        op.new_name = name("the new column name");
      } else if (accept("INDEX") || accept("KEY")) {
        accept_seq({"IF", "EXISTS"});
        op.kind = AlterOpKind::RenameIndex;
        op.name = name("an index name");
        expect("TO");
        op.new_name = name("the new index name");
      } else {
        if (!accept("TO")) accept("AS");
        op.kind = AlterOpKind::RenameTable;
        op.new_name = qualified_name("the new table name");
      }
      return push_op(a, op, from);
    }
    if (accept("ALTER")) {
      if (accept("INDEX") || accept("KEY")) {
        op.kind = AlterOpKind::IndexVisibility;
        op.name = name("an index name");
        if (accept("VISIBLE") || accept("INVISIBLE") || accept("IGNORED")) op.value = upper_ascii(t_[i_ - 1].text);
        else if (accept_seq({"NOT", "IGNORED"})) op.value = "NOT IGNORED";
        else fail("VISIBLE, INVISIBLE, IGNORED or NOT IGNORED");
        return push_op(a, op, from);
      }
      accept("COLUMN");
      accept_seq({"IF", "EXISTS"});
      op.name = name("a column name");
      if (accept("SET")) {
        if (accept("DEFAULT")) {
          op.kind = AlterOpKind::SetDefault;
          op.value = value_text();
        } else if (accept("VISIBLE") || accept("INVISIBLE")) {
          op.kind = AlterOpKind::ColumnVisibility;
          op.value = upper_ascii(t_[i_ - 1].text);
        } else {
          fail("DEFAULT, VISIBLE or INVISIBLE");
        }
      } else if (accept("DROP")) {
        expect("DEFAULT");
        op.kind = AlterOpKind::DropDefault;
      } else {
        fail("SET DEFAULT or DROP DEFAULT");
      }
      return push_op(a, op, from);
    }
    if (accept("CONVERT")) {
      expect("TO");
      if (!accept_seq({"CHARACTER", "SET"})) expect("CHARSET");
      op.kind = AlterOpKind::ConvertCharset;
      op.value = charset_name();
      if (op.value == "utf8") op.value = "utf8mb3";
      if (accept("COLLATE")) charset_name();
      return push_op(a, op, from);
    }
    if (accept("FORCE")) {
      op.kind = AlterOpKind::Force;
      return push_op(a, op, from);
    }
    if (accept("ORDER")) {
      expect("BY");
      op.kind = AlterOpKind::OrderBy;
      do {
        name("a column name");
        if (!accept("ASC")) accept("DESC");
      } while (accept_punct(","));
      return push_op(a, op, from);
    }
    if (accept("DISABLE") || accept("ENABLE")) {
      expect("KEYS");
      op.kind = AlterOpKind::DisableEnableKeys;
      return push_op(a, op, from);
    }
    if (accept("DISCARD") || accept("IMPORT")) {
      op.kind = AlterOpKind::Tablespace;
      op.option = w;
      if (accept("PARTITION")) skip_to_clause_end();
      else expect("TABLESPACE");
      return push_op(a, op, from);
    }
    if (accept("PARTITION")) {
      expect("BY");
      op.kind = AlterOpKind::Partition;
      op.option = "PARTITION BY";
      while (!done() && !punct_is(",")) {
        if (punct_is("(")) skip_parens();
        else ++i_;
      }
      return push_op(a, op, from);
    }
    if (accept("REMOVE")) {
      expect("PARTITIONING");
      op.kind = AlterOpKind::Partition;
      op.option = "REMOVE PARTITIONING";
      return push_op(a, op, from);
    }
    static const char* const kPartitionOps[] = {"TRUNCATE", "COALESCE", "REORGANIZE", "EXCHANGE", "ANALYZE",
                                                "CHECK",    "OPTIMIZE", "REBUILD",    "REPAIR",   "CONVERT"};
    for (const char* p : kPartitionOps) {
      if (w == p && word_at(i_ + 1, "PARTITION")) {
        op.kind = AlterOpKind::Partition;
        op.option = w;
        ++i_;
        skip_to_clause_end();
        return push_op(a, op, from);
      }
    }
    if (w == "UPGRADE" && word_at(i_ + 1, "PARTITIONING")) {
      i_ += 2;
      op.kind = AlterOpKind::Partition;
      op.option = "UPGRADE";
      return push_op(a, op, from);
    }
    if (is_table_option_word(w)) {
      table_options(nullptr, &a, from);
      return;
    }
    throw Failure{t_[i_].offset, "unknown ALTER TABLE clause '" + t_[i_].text + "'"};
  }

  AlterTable parse_create_index(KeyKind kind) {
    AlterTable a;
    a.source = AlterTable::Source::CreateIndex;
    std::size_t from = i_ - 1;
    while (from > 0 && upper_ascii(t_[from].text) != "CREATE") --from;
    AlterOp op;
    op.kind = AlterOpKind::AddKey;
    op.key.kind = kind;
    accept_seq({"IF", "NOT", "EXISTS"});
    op.key.name = name("an index name");
    if (accept("USING")) name("an index type");
    expect("ON");
    a.table_offset = here();
    a.table = qualified_name("a table name");
    op.key.columns = key_parts();
    index_options();
    while (!done()) {
      if (word_is("ALGORITHM") || word_is("LOCK")) algorithm_or_lock(a);
      else throw Failure{t_[i_].offset, "unexpected '" + t_[i_].text + "' in CREATE INDEX"};
    }
    op.offset = t_[from].offset;
    op.text = source_text(from, t_.size());
    a.ops.push_back(std::move(op));
    return a;
  }

  AlterTable parse_drop_index() {
    AlterTable a;
    a.source = AlterTable::Source::DropIndex;
    std::size_t from = 0;
    AlterOp op;
    accept_seq({"IF", "EXISTS"});
    op.name = name("an index name");
    op.kind = upper_ascii(op.name) == "PRIMARY" ? AlterOpKind::DropPrimaryKey : AlterOpKind::DropIndex;
    expect("ON");
    a.table_offset = here();
    a.table = qualified_name("a table name");
    while (!done()) {
      if (word_is("ALGORITHM") || word_is("LOCK")) algorithm_or_lock(a);
      else throw Failure{t_[i_].offset, "unexpected '" + t_[i_].text + "' in DROP INDEX"};
    }
    op.offset = t_[from].offset;
    op.text = source_text(from, t_.size());
    a.ops.push_back(std::move(op));
    return a;
  }

  CreateTable parse_create_table() {
    CreateTable c;
    accept_seq({"IF", "NOT", "EXISTS"});
    c.table = qualified_name("a table name");
    if (accept("LIKE")) {
      c.like = qualified_name("a table name");
      return c;
    }
    if (punct_is("(") && word_at(i_ + 1, "LIKE")) {
      i_ += 2;
      c.like = qualified_name("a table name");
      expect_punct(")");
      return c;
    }
    if (punct_is("(")) {
      ++i_;
      while (true) {
        KeyDef k;
        if (key_def(k)) {
          c.keys.push_back(std::move(k));
        } else if (word_is("PERIOD")) {
          ++i_;
          skip_to_clause_end();
        } else {
          std::string col = name("a column name or key definition");
          c.columns.push_back(column_def(col));
        }
        if (accept_punct(",")) continue;
        expect_punct(")");
        break;
      }
    }
    // Table options, then partitioning, then [AS] SELECT.
    while (!done()) {
      if (accept_punct(",")) continue;
      if (word_is("PARTITION")) {
        c.partitioned = true;
        break;
      }
      if (word_is("AS") || word_is("SELECT") || word_is("IGNORE") || word_is("REPLACE") || punct_is("(")) {
        c.as_select = true;
        break;
      }
      if (word_is("WITH") && word_at(i_ + 1, "SYSTEM")) {
        i_ += 3;
        continue;
      }
      if (t_[i_].kind == TokenKind::Word && is_table_option_word(upper_ascii(t_[i_].text))) {
        table_options(&c, nullptr, i_);
        continue;
      }
      fail("a table option");
    }
    for (const ColumnDef& col : c.columns) {
      if (col.primary_key) c.keys.push_back(KeyDef{KeyKind::Primary, "PRIMARY", {col.name}, "", {}});
      if (col.unique) c.keys.push_back(KeyDef{KeyKind::Unique, col.name, {col.name}, "", {}});
    }
    return c;
  }

  void parse_set(std::vector<SetVariable>& out) {
    // SET [GLOBAL|SESSION|LOCAL] name = value [, ...]; SET @@session.name = value; SET NAMES ...
    if (accept("NAMES") || word_is("TRANSACTION") || word_is("PASSWORD") || word_is("ROLE") ||
        word_is("STATEMENT") || word_is("DEFAULT")) {
      return;
    }
    while (!done()) {
      accept("SESSION");
      accept("LOCAL");
      bool global = accept("GLOBAL") || accept("PERSIST") || accept("PERSIST_ONLY");
      if (done()) break;
      std::string n;
      if (t_[i_].kind == TokenKind::Variable) {
        n = lower_ascii(t_[i_].text);
        ++i_;
        if (n.rfind("@@", 0) != 0) n.clear();  // user variable
        else n = n.substr(2);
        for (std::string_view scope : {"session.", "local.", "global."}) {
          if (n.rfind(scope, 0) == 0) {
            global = scope == "global.";
            n = n.substr(scope.size());
          }
        }
      } else if (is_name_token(peek())) {
        n = lower_ascii(t_[i_].text);
        ++i_;
      } else {
        return;
      }
      if (!accept_punct("=") && !accept_punct(":=")) return;
      std::size_t from = i_;
      while (!done() && !punct_is(",")) {
        if (punct_is("(")) skip_parens();
        else ++i_;
      }
      std::string value = from < i_ && i_ - from == 1 ? unquote(t_[from]) : source_text(from, i_);
      if (!n.empty() && !global) out.push_back(SetVariable{n, value});
      if (!accept_punct(",")) break;
    }
  }

  std::string_view text_;
  const std::vector<Token>& t_;
  std::size_t end_offset_;
  std::size_t i_ = 0;
};

}  // namespace

ParsedFile parse_mysql_file(std::string_view text) {
  ParsedFile out;
  ParseFailure lex_failure;
  lex_failure.offset = std::string_view::npos;
  std::vector<SqlStatement> statements = split_mysql_statements(text, &lex_failure, &out.comments);
  for (const SqlStatement& st : statements) {
    try {
      Parser p(text, st);
      out.statements.push_back(p.parse());
    } catch (const Failure& f) {
      out.failures.push_back(ParseFailure{f.offset, f.message});
    }
  }
  if (lex_failure.offset != std::string_view::npos) out.failures.push_back(lex_failure);
  return out;
}

}  // namespace sluice::schema::lint::mysql
