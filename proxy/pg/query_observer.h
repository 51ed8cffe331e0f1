// Times every query of one PostgreSQL client session and hands it to the worker's
// QueryRecorder (proxy/observe): which statement a simple Query or an Execute runs
// (fingerprinted once, at Parse, for the extended protocol), when it arrived, how long the
// client waited for a server, rows from the CommandComplete tag, the SQLSTATE of an error,
// bytes both ways, and the Bind parameters for the sample.
//
// Owned by the ClientSession, used on its worker's thread only. When observation is off (no
// recorder) every call returns at once.
//
// Timing: a query starts when the bytes that carry it were read (so a wait for a pool server
// is inside it), and ends when its last reply (CommandComplete / error / ReadyForQuery for a
// simple Query) is forwarded. wait = time spent waiting for a server; server = the rest.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proxy/observe/query_recorder.h"
#include "proxy/pg/request_queue.h"
#include "workload/pool_stats.h"

namespace sluice::proxy::pg {

class QueryObserver {
 public:
  explicit QueryObserver(observe::QueryRecorder* recorder) : recorder_(recorder) {}

  bool enabled() const { return recorder_ != nullptr; }
  // Who runs the queries (database and user as the client named them), and the user of the
  // pool they count toward (the server role). The views must outlive the observer.
  void set_identity(std::string_view database, std::string_view user, std::string_view pool_user);

  // Extended protocol: remember what each statement and portal runs.
  void on_parse(std::string_view statement, std::string_view query);
  void on_close(char kind, std::string_view name);
  void on_bind(std::string_view portal, std::string_view statement, std::string_view raw_params);

  // A request carrying a query was queued: fill its observation fields.
  void start_query(PendingRequest& r, std::string_view text, uint64_t arrival_ns);
  void start_execute(PendingRequest& r, std::string_view portal, uint64_t arrival_ns);

  void add_bytes_in(std::size_t n) { bytes_in_ += n; }
  void add_bytes_out(std::size_t n) { bytes_out_ += n; }
  // Replies that belong to the request at the head of the queue.
  void on_command_complete(std::string_view body);
  void on_error(std::string_view sqlstate);

  // Forgets rows and error of replies that no query will be charged with.
  void clear_reply_state() {
    rows_ = 0;
    sqlstate_[0] = 0;
  }
  // The request's last reply went to the client.
  void finish(PendingRequest& r, uint64_t end_ns);
  // The client waited wait_ns for a server (0: one was free); the next query carries the wait.
  void on_server_acquired(uint64_t wait_ns);
  // A transaction (or a Sync / simple query outside one) ended on the server.
  void on_transaction_end();
  // The transaction ended: unnamed and named portals are gone.
  void forget_portals();

 private:
  struct Statement {
    uint64_t fingerprint = 0;
    std::shared_ptr<const std::string> text;
  };
  struct Portal {
    Statement statement;
    std::string raw_params;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using StatementMap = std::unordered_map<std::string, Statement, StringHash, std::equal_to<>>;
  using PortalMap = std::unordered_map<std::string, Portal, StringHash, std::equal_to<>>;

  workload::PoolStats& pool_stats();
  const Statement* find_statement(std::string_view name) const;
  Portal* find_portal(std::string_view name);

  observe::QueryRecorder* recorder_;
  std::string_view database_;
  std::string_view user_;
  std::string_view pool_user_;
  workload::PoolStats* pool_stats_ = nullptr;
  uint64_t pool_stats_generation_ = ~uint64_t(0);

  // The last simple query's text, filled again for the next one once no request holds it (no
  // allocation per query); dropped rather than reused when it grew past 8 KiB.
  std::shared_ptr<std::string> query_text_;
  Statement unnamed_statement_;
  StatementMap statements_;
  Portal unnamed_portal_;
  PortalMap portals_;

  uint64_t pending_wait_ns_ = 0;
  uint64_t bytes_in_ = 0;  // client bytes not yet charged to a query
  uint64_t bytes_out_ = 0;
  // The head request's replies so far.
  int64_t rows_ = 0;
  char sqlstate_[6] = {0, 0, 0, 0, 0, 0};
};

}  // namespace sluice::proxy::pg
