// Gathers the live state (pools, clients, servers) from every worker: each worker fills its
// part on its own thread (PgService::collect_live), the parts are joined in worker order.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "proxy/observe/live_state.h"

namespace sluice::proxy {
struct SharedState;
}

namespace sluice::proxy::admin {

// `done` runs once, on the thread of the worker that answered last.
void gather_live(SharedState& shared, std::function<void(observe::LiveState)> done);

// For threads that are not workers (HTTP): waits for the answer; nullopt when the workers did
// not all answer within `timeout` (stopping).
std::optional<observe::LiveState> gather_live_blocking(SharedState& shared, std::chrono::milliseconds timeout);

}  // namespace sluice::proxy::admin
