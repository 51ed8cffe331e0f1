// One B-tree index as the advisor talks about it: a table and its key columns in order. Used for
// candidates, hypothetical (HypoPG) indexes, suggestions and the statements that build them.
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::optimizer {

struct IndexDefinition {
  std::string schema = "public";
  std::string table;
  std::vector<std::string> columns;  // key columns in order, names as stored (unquoted)

  // "public.orders(customer_id,created_at)": unique per definition, used as a cache and map key.
  std::string key() const;
  // "orders(customer_id, created_at)" for people (schema left out when public).
  std::string display() const;
  // A name that stays under PostgreSQL's 63 bytes: "orders_customer_id_created_at_idx", or a
  // shortened form with 8 hex digits of a hash of key() when too long.
  std::string name() const;
  // CREATE INDEX CONCURRENTLY IF NOT EXISTS "name" ON "schema"."table" ("a", "b")
  // (without CONCURRENTLY when concurrently is false).
  std::string create_statement(bool concurrently = true) const;
  // DROP INDEX CONCURRENTLY IF EXISTS "schema"."name"
  std::string drop_statement(bool concurrently = true) const;
  // The statement hypopg_create_index() takes: CREATE INDEX ON "schema"."table" ("a", "b")
  std::string hypothetical_statement() const;
  // Same table and this index's columns are a (possibly equal) leading prefix of other's.
  bool is_prefix_of(const IndexDefinition& other) const;

  auto operator<=>(const IndexDefinition&) const = default;
  bool operator==(const IndexDefinition&) const = default;
};

// "name" -> "\"name\"" with embedded quotes doubled.
std::string quote_identifier(std::string_view name);

}  // namespace sluice::optimizer
