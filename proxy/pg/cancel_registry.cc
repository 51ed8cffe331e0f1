#include "proxy/pg/cancel_registry.h"

#include <openssl/rand.h>

namespace sluice::proxy::pg {

int32_t CancelRegistry::add(int worker, uint64_t client_id, int32_t& secret) {
  RAND_bytes(reinterpret_cast<unsigned char*>(&secret), sizeof(secret));
  std::lock_guard<std::mutex> lock(mu_);
  int32_t pid;
  do {
    pid = next_pid_++;
    if (next_pid_ <= 0 || next_pid_ > 0x3fffffff) next_pid_ = 1;
  } while (targets_.count(pid));
  targets_[pid] = CancelTarget{worker, client_id, secret};
  return pid;
}

void CancelRegistry::remove(int32_t pid) {
  std::lock_guard<std::mutex> lock(mu_);
  targets_.erase(pid);
}

std::optional<CancelTarget> CancelRegistry::find(int32_t pid, int32_t secret) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = targets_.find(pid);
  if (it == targets_.end() || it->second.secret != secret) return std::nullopt;
  return it->second;
}

}  // namespace sluice::proxy::pg
