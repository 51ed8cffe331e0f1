#include "proxy/pg/prepared_statements.h"

#include <cstdio>

namespace sluice::proxy::pg {

namespace {
// FNV-1a 64 over both parts; collisions would need equal length-prefixed inputs to clash.
uint64_t hash_bytes(uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}
}  // namespace

std::string server_statement_name(std::string_view query, std::string_view param_types_raw) {
  uint64_t h = 14695981039346656037ULL;
  h = hash_bytes(h, query);
  h ^= 0xff;
  h = hash_bytes(h, param_types_raw);
  uint64_t h2 = hash_bytes(0x9e3779b97f4a7c15ULL ^ query.size(), query);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "sluice_%016llx%08llx", static_cast<unsigned long long>(h),
                static_cast<unsigned long long>(h2 & 0xffffffffULL));
  return buf;
}

const ClientStatement* ClientStatements::find(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  return it == by_name_.end() ? nullptr : &it->second;
}

const ClientStatement& ClientStatements::add(std::string_view name, std::string_view query,
                                             std::string_view types_raw, int16_t param_count) {
  ClientStatement st;
  st.server_name = server_statement_name(query, types_raw);
  st.query = std::string(query);
  st.param_types_raw = std::string(types_raw);
  st.param_count = param_count;
  auto& slot = by_name_[std::string(name)];
  slot = std::move(st);
  return slot;
}

void ClientStatements::remove(std::string_view name) { by_name_.erase(std::string(name)); }

}  // namespace sluice::proxy::pg
