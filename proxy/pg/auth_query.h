// Looks up a user's stored secret on the server (auth_query, run as the target URL's user),
// off the event loop in libuv's thread pool, with a blocking libpq call.
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "common/config.h"

namespace sluice::proxy::pg {

struct AuthQueryResult {
  bool found = false;
  std::string stored;  // the secret as stored: SCRAM secret, md5 hash or plain
  std::string error;   // set when the query could not run
};

// `done` runs on `loop`'s thread.
void run_auth_query(uv_loop_t* loop, const common::TargetUrl& target, const std::string& query,
                    const std::string& user, double connect_timeout_s,
                    std::function<void(const AuthQueryResult&)> done);

}  // namespace sluice::proxy::pg
