// Named prepared statements in transaction pooling: a client's statement names are mapped to
// server-side names derived from the statement text, so any server connection can hold them
// and clients with the same statement share one server-side copy without name clashes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace sluice::proxy::pg {

struct ClientStatement {
  std::string server_name;
  std::string query;
  std::string param_types_raw;
  int16_t param_count = 0;
};

// Deterministic: the same text and parameter types give the same name on every server.
std::string server_statement_name(std::string_view query, std::string_view param_types_raw);

class ClientStatements {
 public:
  const ClientStatement* find(std::string_view name) const;
  const ClientStatement& add(std::string_view name, std::string_view query, std::string_view types_raw,
                             int16_t param_count);
  void remove(std::string_view name);
  std::size_t size() const { return by_name_.size(); }

 private:
  std::unordered_map<std::string, ClientStatement> by_name_;
};

// Names a server connection has prepared.
class ServerStatements {
 public:
  bool has(const std::string& name) const { return names_.count(name) != 0; }
  void add(const std::string& name) { names_.insert(name); }
  void remove(const std::string& name) { names_.erase(name); }
  void clear() { names_.clear(); }
  std::size_t size() const { return names_.size(); }

 private:
  std::unordered_set<std::string> names_;
};

}  // namespace sluice::proxy::pg
