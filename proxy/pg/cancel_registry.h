// Maps the BackendKeyData the proxy gave each client to that client's worker, so a
// CancelRequest arriving on any worker reaches the server the client is using.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace sluice::proxy::pg {

struct CancelTarget {
  int worker = 0;
  uint64_t client_id = 0;
  int32_t secret = 0;
};

class CancelRegistry {
 public:
  // Returns the pid handed to the client; `secret` is filled with a random secret.
  int32_t add(int worker, uint64_t client_id, int32_t& secret);
  void remove(int32_t pid);
  std::optional<CancelTarget> find(int32_t pid, int32_t secret) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<int32_t, CancelTarget> targets_;
  int32_t next_pid_ = 1;
};

}  // namespace sluice::proxy::pg
