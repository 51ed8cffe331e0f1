#include "proxy/pg/query_observer.h"

#include <chrono>
#include <cstring>

#include "common/clock.h"
#include "proxy/pg/codec/backend_messages.h"
#include "proxy/pg/codec/frontend_messages.h"

namespace sluice::proxy::pg {

namespace {
double ns_to_ms(uint64_t ns) { return double(ns) / 1e6; }
}  // namespace

void QueryObserver::set_identity(std::string_view database, std::string_view user, std::string_view pool_user) {
  database_ = database;
  user_ = user;
  pool_user_ = pool_user;
  pool_stats_ = nullptr;
  pool_stats_generation_ = ~uint64_t(0);
}

workload::PoolStats& QueryObserver::pool_stats() {
  if (pool_stats_ == nullptr || pool_stats_generation_ != recorder_->generation()) {
    pool_stats_ = &recorder_->pool(workload::PoolKey{std::string(database_), std::string(pool_user_)});
    pool_stats_generation_ = recorder_->generation();
  }
  return *pool_stats_;
}

// ---- statements and portals -----------------------------------------------------------------

void QueryObserver::on_parse(std::string_view statement, std::string_view query) {
  if (!recorder_) return;
  Statement* st = nullptr;
  if (statement.empty()) {
    st = &unnamed_statement_;
  } else {
    auto it = statements_.find(statement);
    if (it == statements_.end()) it = statements_.emplace(std::string(statement), Statement{}).first;
    st = &it->second;
  }
  // Drivers that re-Parse the unnamed statement send the same text every time: keep the copy.
  if (!st->text || *st->text != query) st->text = std::make_shared<const std::string>(query);
  st->fingerprint = recorder_->fingerprint(query);
}

void QueryObserver::on_close(char kind, std::string_view name) {
  if (!recorder_) return;
  if (kind == 'S') {
    if (name.empty()) {
      unnamed_statement_ = Statement{};
    } else if (auto it = statements_.find(name); it != statements_.end()) {
      statements_.erase(it);
    }
  } else if (!name.empty()) {
    if (auto it = portals_.find(name); it != portals_.end()) portals_.erase(it);
  }
}

const QueryObserver::Statement* QueryObserver::find_statement(std::string_view name) const {
  if (name.empty()) return &unnamed_statement_;
  auto it = statements_.find(name);
  return it == statements_.end() ? nullptr : &it->second;
}

QueryObserver::Portal* QueryObserver::find_portal(std::string_view name) {
  if (name.empty()) return &unnamed_portal_;
  auto it = portals_.find(name);
  return it == portals_.end() ? nullptr : &it->second;
}

void QueryObserver::on_bind(std::string_view portal, std::string_view statement, std::string_view raw_params) {
  if (!recorder_) return;
  Portal* p = nullptr;
  if (portal.empty()) {
    p = &unnamed_portal_;
  } else {
    auto it = portals_.find(portal);
    if (it == portals_.end()) it = portals_.emplace(std::string(portal), Portal{}).first;
    p = &it->second;
  }
  const Statement* st = find_statement(statement);
  p->statement = st ? *st : Statement{};
  p->raw_params.assign(raw_params);
}

void QueryObserver::forget_portals() {
  if (!portals_.empty()) portals_.clear();
}

// ---- queries --------------------------------------------------------------------------------

void QueryObserver::start_query(PendingRequest& r, std::string_view text, uint64_t arrival_ns) {
  if (!recorder_) return;
  r.observed = true;
  r.started_ns = arrival_ns;
  r.fingerprint = recorder_->fingerprint(text);
  if (query_text_ && query_text_.use_count() == 1 && query_text_->capacity() <= 8192) {
    query_text_->assign(text.data(), text.size());
  } else {
    query_text_ = std::make_shared<std::string>(text);
  }
  r.text = query_text_;
  r.wait_ns = pending_wait_ns_;
  pending_wait_ns_ = 0;
  r.bytes_in = bytes_in_;
  bytes_in_ = 0;
}

void QueryObserver::start_execute(PendingRequest& r, std::string_view portal, uint64_t arrival_ns) {
  if (!recorder_) return;
  const Portal* p = find_portal(portal);
  r.observed = true;
  r.started_ns = arrival_ns;
  if (p != nullptr && p->statement.text) {
    r.fingerprint = p->statement.fingerprint;
    r.text = p->statement.text;
    r.raw_params = p->raw_params;
  } else {
    // A portal we did not see bound (should not happen): counted under the lexer's
    // fingerprint of an empty text rather than dropped.
    r.fingerprint = recorder_->fingerprint("<unknown portal>");
    r.text = std::make_shared<const std::string>("<unknown portal>");
  }
  r.wait_ns = pending_wait_ns_;
  pending_wait_ns_ = 0;
  r.bytes_in = bytes_in_;
  bytes_in_ = 0;
}

void QueryObserver::on_command_complete(std::string_view body) {
  if (!recorder_) return;
  if (auto tag = decode_command_complete(body)) {
    int64_t n = rows_from_command_tag(*tag);
    if (n > 0) rows_ += n;
  }
}

void QueryObserver::on_error(std::string_view sqlstate) {
  if (!recorder_) return;
  std::size_t n = sqlstate.size() < 5 ? sqlstate.size() : 5;
  std::memcpy(sqlstate_, sqlstate.data(), n);
  sqlstate_[n] = 0;
  if (n == 0) std::memcpy(sqlstate_, "XX000", 6);
}

void QueryObserver::finish(PendingRequest& r, uint64_t end_ns) {
  if (!recorder_ || !r.observed) return;
  r.observed = false;
  const uint64_t total_ns = end_ns > r.started_ns ? end_ns - r.started_ns : 0;
  const uint64_t wait_ns = r.wait_ns < total_ns ? r.wait_ns : total_ns;

  observe::CompletedQuery q;
  q.query_text = r.text ? std::string_view(*r.text) : std::string_view();
  q.fingerprint = r.fingerprint;
  q.database = database_;
  q.user = user_;
  q.total_ms = ns_to_ms(total_ns);
  q.wait_ms = ns_to_ms(wait_ns);
  q.server_ms = ns_to_ms(total_ns - wait_ns);
  q.rows = rows_;
  q.sqlstate = std::string_view(sqlstate_);
  q.bytes_in = r.bytes_in;
  q.bytes_out = bytes_out_;
  q.at_ms = common::unix_now_ms();
  if (!r.raw_params.empty()) {
    q.raw_params = r.raw_params;
    q.decode_params = &decode_bind_parameters;
  }
  recorder_->record(q);
  pool_stats().record_query(q.server_ms, sqlstate_[0] != 0, q.bytes_in, q.bytes_out, q.at_ms);

  rows_ = 0;
  sqlstate_[0] = 0;
  bytes_out_ = 0;
}

void QueryObserver::on_server_acquired(uint64_t wait_ns) {
  if (!recorder_) return;
  pending_wait_ns_ += wait_ns;
  pool_stats().record_acquire(ns_to_ms(wait_ns), common::unix_now_ms());
}

void QueryObserver::on_transaction_end() {
  if (!recorder_) return;
  pool_stats().record_transaction(common::unix_now_ms());
}

}  // namespace sluice::proxy::pg
