// Session parameters kept in step across server connections (the job of PgBouncer's varcache):
// what each client asked for (startup packet, `options -c`, its own SETs reported back by the
// server) and what each server currently has. On link, the difference becomes one SET query.
#pragma once

#include <cstdint>
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

// Order-independent digest of a set of (name, value) pairs: the sum of a 128-bit hash of each
// pair, keyed with a seed drawn at start-up (so no client can aim for a collision). Equal
// contents give equal digests.
struct ParamsDigest {
  uint64_t lo = 0;
  uint64_t hi = 0;
  bool operator==(const ParamsDigest&) const = default;
};

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
  void erase(std::string_view name);
  void clear();

  // Grows on every change of content (a new name, a new value, an erase or clear that removed
  // something).
  uint64_t version() const { return version_; }
  const ParamsDigest& digest() const { return digest_; }

 private:
  void add_to_digest(const std::string& lower_name, const std::string& value, bool remove);

  std::map<std::string, Entry> values_;
  uint64_t version_ = 0;
  ParamsDigest digest_;
};

// What one server's last sync was computed from. A later client whose wanted parameters have
// the same digest, linking while the server's requested and reported sets are unchanged, needs
// no SQL: sync_params_sql() is then skipped (it walks both maps; this is a compare of four
// integers, on every link in transaction pooling).
struct ParamsSyncMemo {
  bool valid = false;
  ParamsDigest wanted;
  uint64_t requested_version = 0;
  uint64_t reported_version = 0;
};

// SQL that makes a server with `server_requested` (what the proxy or earlier clients asked for)
// and `server_reported` (ParameterStatus values) match `client_wanted`. Updates
// server_requested to what the SQL will set. Empty when nothing differs.
std::string sync_params_sql(const SessionParams& client_wanted, SessionParams& server_requested,
                            const SessionParams& server_reported);

// The same, answered from `memo` when nothing changed since the server's last sync (then
// empty), and recording what this sync was computed from.
std::string sync_params_sql(const SessionParams& client_wanted, SessionParams& server_requested,
                            const SessionParams& server_reported, ParamsSyncMemo& memo);

std::string quote_literal(std::string_view v);

}  // namespace sluice::proxy::pg
