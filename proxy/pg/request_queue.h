// What the proxy expects back from the server, in order, for the client messages it forwarded
// (or answered itself). Lets the proxy inject and swallow messages (re-preparing statements on
// a new server, syncing session parameters) while the client sees exactly the replies it asked
// for, pipelined or not. It also tells when a transaction-pooled server is free again.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sluice::proxy::pg {

struct PendingRequest {
  enum class Kind : uint8_t {
    Query,               // simple query: everything up to ReadyForQuery
    FunctionCall,        // up to ReadyForQuery
    Parse,               // ParseComplete
    InjectedParse,       // ParseComplete swallowed (the proxy re-prepared a statement)
    InjectedBind,        // BindComplete swallowed (the proxy's own statement)
    SyntheticParseComplete,  // answered by the proxy: the server already has the statement
    SyntheticCloseComplete,  // answered by the proxy: statements are shared between clients
    Bind,                // BindComplete
    DescribeStatement,   // ParameterDescription, then RowDescription or NoData
    DescribePortal,      // RowDescription or NoData
    Execute,             // CommandComplete, EmptyQueryResponse, PortalSuspended (rows before it)
    Close,               // CloseComplete
    Sync,                // ReadyForQuery
    InternalQuery,       // the proxy's own simple query (SET ...): everything swallowed up to ReadyForQuery
  };
  Kind kind = Kind::Query;
  std::string server_statement;  // Parse / InjectedParse: name prepared on the server
  std::string client_statement;  // Parse: the client's name for it (forgotten if the Parse fails)
  uint64_t started_ns = 0;       // when the bytes carrying it were read (steady clock)
  // Observation (Query and Execute only, when observation is on): see query_observer.h.
  bool observed = false;
  uint64_t fingerprint = 0;
  uint64_t wait_ns = 0;   // of which the client waited for a server
  uint64_t bytes_in = 0;  // client bytes of this query
  std::shared_ptr<const std::string> text;  // the statement's text as the client sent it
  std::string raw_params;                   // the Bind parameters, still encoded

  // Back to a new request's values, keeping the strings' capacity.
  void reset() {
    kind = Kind::Query;
    server_statement.clear();
    client_statement.clear();
    started_ns = 0;
    observed = false;
    fingerprint = 0;
    wait_ns = 0;
    bytes_in = 0;
    text.reset();
    raw_params.clear();
  }
};

// FIFO of the requests in flight on one session: a ring of slots that are reset and reused,
// never freed, so a request costs no allocation once the ring is as deep as the client's
// pipeline (std::deque allocates and frees a block every few requests). No memory until the
// first request.
class RequestQueue {
 public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  PendingRequest& front() { return slots_[head_]; }
  PendingRequest& back() { return slots_[(head_ + size_ - 1) & (slots_.size() - 1)]; }
  // i-th request from the front (i < size()).
  PendingRequest& operator[](std::size_t i) { return slots_[(head_ + i) & (slots_.size() - 1)]; }
  // A request with reset values, at the back.
  PendingRequest& emplace_back() {
    if (size_ == slots_.size()) grow();
    PendingRequest& r = slots_[(head_ + size_) & (slots_.size() - 1)];
    ++size_;
    return r;
  }
  void pop_front() {
    slots_[head_].reset();
    head_ = (head_ + 1) & (slots_.size() - 1);
    --size_;
  }
  void clear() {
    while (size_ != 0) pop_front();
  }

 private:
  void grow() {
    std::vector<PendingRequest> bigger(slots_.empty() ? 4 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<PendingRequest> slots_;  // power-of-two size
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sluice::proxy::pg
