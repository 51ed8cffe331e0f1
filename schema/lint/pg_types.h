// What PostgreSQL does with column types: whether ALTER COLUMN TYPE rewrites the table
// (binary-coercible changes do not), and the type families the style rules talk about.
#pragma once

#include "schema/lint/pg_statement_model.h"

namespace sluice::schema::lint {

enum class TypeChange {
  NoRewrite,  // binary coercible: catalog-only change
  Rewrite,    // every row is rewritten (and every index rebuilt) under ACCESS EXCLUSIVE
  Depends,    // the old type is not known here; no rewrite only from a few old types
};

// old_type is nullptr when the column's current type is not known (not created in this file).
TypeChange classify_type_change(const PgType* old_type, const PgType& new_type, bool has_using);

bool is_serial(const PgType& t);       // serial, serial4, smallserial, serial2, bigserial, serial8
bool is_small_integer(const PgType& t);  // int2 / int4, serial / smallserial
bool is_timestamp_without_tz(const PgType& t);
bool is_char_n(const PgType& t);     // char(n) (bpchar)
bool is_varchar_n(const PgType& t);  // varchar(n)
bool is_json(const PgType& t);       // json (not jsonb)

}  // namespace sluice::schema::lint
