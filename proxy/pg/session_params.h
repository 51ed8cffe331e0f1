// Session parameters kept in step across server connections (the job of PgBouncer's varcache):
// what each client asked for (startup packet, `options -c`, its own SETs reported back by the
// server) and what each server currently has. On link, the difference becomes one SET query.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::proxy::pg {

// Startup keys that are not session parameters.
bool is_connection_key(std::string_view key);

// "-c a=b -c c=d" / "--a=b" → {(a,b),(c,d)}. Returns false with `error` on a malformed string.
bool parse_options(std::string_view options, std::vector<std::pair<std::string, std::string>>& out,
                   std::string& error);

std::string lower(std::string_view s);

class SessionParams {
 public:
  struct Entry {
    std::string name;  // as first given (ParameterStatus names are case-sensitive for some drivers)
    std::string value;
  };
  // Looked up by lowercase name.
  void set(std::string_view name, std::string_view value);
  const std::string* get(std::string_view name) const;
  // The same for a name already in lowercase (no allocation).
  const std::string* get_lower(const std::string& lower_name) const;
  const std::map<std::string, Entry>& all() const { return values_; }
  void erase(std::string_view name) { values_.erase(lower(name)); }
  void clear() { values_.clear(); }

 private:
  std::map<std::string, Entry> values_;
};

// SQL that makes a server with `server_requested` (what the proxy or earlier clients asked for)
// and `server_reported` (ParameterStatus values) match `client_wanted`. Updates
// server_requested to what the SQL will set. Empty when nothing differs.
std::string sync_params_sql(const SessionParams& client_wanted, SessionParams& server_requested,
                            const SessionParams& server_reported);

std::string quote_literal(std::string_view v);

}  // namespace sluice::proxy::pg
