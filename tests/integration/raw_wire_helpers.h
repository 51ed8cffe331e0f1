// Helpers shared by the auth, TLS, timeout, crash, malformed-input and signal tests: a raw TCP
// client that speaks the PostgreSQL wire protocol byte by byte (to send what libpq never would),
// a libpq connect that reports SQLSTATEs of login failures, a notice collector and a role helper.
// Header-only: included by several *_test.cc files.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "tests/fixtures/pg_client.h"
#include "tests/fixtures/pg_server.h"

namespace sluice::testing::wire {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

inline std::string be32(uint32_t v) {
  std::string s(4, '\0');
  s[0] = char((v >> 24) & 0xff);
  s[1] = char((v >> 16) & 0xff);
  s[2] = char((v >> 8) & 0xff);
  s[3] = char(v & 0xff);
  return s;
}

inline uint32_t read_be32(const char* p) {
  return (uint32_t(uint8_t(p[0])) << 24) | (uint32_t(uint8_t(p[1])) << 16) | (uint32_t(uint8_t(p[2])) << 8) |
         uint32_t(uint8_t(p[3]));
}

constexpr uint32_t kProtocol30 = 196608;      // 3.0
constexpr uint32_t kSslRequestCode = 80877103;

// A StartupMessage with the given parameters (protocol 3.0 unless told otherwise).
inline std::string startup_packet(const std::vector<std::pair<std::string, std::string>>& params,
                                  uint32_t protocol = kProtocol30) {
  std::string body = be32(protocol);
  for (const auto& [k, v] : params) {
    body += k;
    body += '\0';
    body += v;
    body += '\0';
  }
  body += '\0';
  return be32(uint32_t(body.size() + 4)) + body;
}

inline std::string ssl_request() { return be32(8) + be32(kSslRequestCode); }

// A typed frontend message: type byte, length (including itself), body.
inline std::string message(char type, const std::string& body) {
  return std::string(1, type) + be32(uint32_t(body.size() + 4)) + body;
}

inline std::string query_message(const std::string& sql) { return message('Q', sql + std::string(1, '\0')); }
inline std::string terminate_message() { return message('X', ""); }

struct BackendMessage {
  char type = 0;
  std::string body;
};

// Splits complete backend messages off the front of data; *rest gets what is left (a partial one).
inline std::vector<BackendMessage> split_messages(std::string_view data, std::string* rest = nullptr) {
  std::vector<BackendMessage> out;
  std::size_t off = 0;
  while (data.size() - off >= 5) {
    uint32_t len = read_be32(data.data() + off + 1);
    if (len < 4 || data.size() - off < std::size_t(len) + 1) break;
    out.push_back(BackendMessage{data[off], std::string(data.substr(off + 5, len - 4))});
    off += std::size_t(len) + 1;
  }
  if (rest != nullptr) *rest = std::string(data.substr(off));
  return out;
}

struct ErrorInfo {
  std::string severity;
  std::string sqlstate;
  std::string message;
};

// The fields of an ErrorResponse / NoticeResponse body.
inline ErrorInfo parse_error_body(const std::string& body) {
  ErrorInfo e;
  std::size_t i = 0;
  while (i < body.size() && body[i] != '\0') {
    char code = body[i++];
    std::size_t end = body.find('\0', i);
    if (end == std::string::npos) end = body.size();
    std::string value = body.substr(i, end - i);
    i = end + 1;
    if (code == 'S') e.severity = value;
    if (code == 'C') e.sqlstate = value;
    if (code == 'M') e.message = value;
  }
  return e;
}

// The first ErrorResponse among the messages, if any.
inline std::optional<ErrorInfo> first_error(const std::vector<BackendMessage>& msgs) {
  for (const auto& m : msgs) {
    if (m.type == 'E') return parse_error_body(m.body);
  }
  return std::nullopt;
}

inline std::string describe_messages(const std::vector<BackendMessage>& msgs) {
  std::string s;
  for (const auto& m : msgs) {
    if (!s.empty()) s += ", ";
    s += std::isprint(static_cast<unsigned char>(m.type)) ? std::string(1, m.type) : std::string("?");
    if (m.type == 'E' || m.type == 'N') {
      ErrorInfo e = parse_error_body(m.body);
      s += "(" + e.severity + " " + e.sqlstate + " \"" + e.message + "\")";
    }
  }
  return "[" + s + "]";
}

// What came back on a raw connection until it closed (or the time ran out).
struct ReadResult {
  std::string data;
  bool closed = false;     // orderly EOF or reset
  bool reset = false;      // ECONNRESET (the peer closed with unread data)
  bool timed_out = false;  // still open at the deadline

  std::vector<BackendMessage> messages() const { return split_messages(data); }
  std::string describe() const {
    return describe_messages(messages()) + " closed=" + (closed ? "yes" : "no") + (reset ? " (reset)" : "") +
           (timed_out ? " timed_out" : "") + " bytes=" + std::to_string(data.size());
  }
};

// A plain TCP connection to 127.0.0.1:port.
class RawConn {
 public:
  explicit RawConn(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      error_ = std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~RawConn() { close(); }
  RawConn(const RawConn&) = delete;
  RawConn& operator=(const RawConn&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  const std::string& error() const { return error_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Sends everything (never raises SIGPIPE); false when the peer is gone.
  bool send_all(std::string_view data) {
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        error_ = std::strerror(errno);
        return false;
      }
      off += std::size_t(n);
    }
    return true;
  }

  // Reads whatever arrives until the peer closes or the timeout passes.
  ReadResult read_until_closed(milliseconds timeout) {
    ReadResult r;
    r.data = std::move(pending_);
    pending_.clear();
    auto deadline = Clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) {
        r.timed_out = true;
        return r;
      }
      pollfd p{fd_, POLLIN, 0};
      int pr = ::poll(&p, 1, int(std::min<long long>(left, 200)));
      if (pr <= 0) continue;
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        r.data.append(buf, std::size_t(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      r.closed = true;
      r.reset = n < 0 && errno == ECONNRESET;
      return r;
    }
  }

  // Reads messages until one of type `until` (included in the result) arrives, the connection
  // closes (*closed) or the timeout passes.
  std::vector<BackendMessage> read_until(char until, milliseconds timeout, bool* closed = nullptr) {
    std::vector<BackendMessage> out;
    if (closed != nullptr) *closed = false;
    auto deadline = Clock::now() + timeout;
    while (true) {
      std::string rest;
      auto msgs = split_messages(pending_, &rest);
      pending_ = rest;
      for (auto& m : msgs) {
        bool stop = m.type == until;
        out.push_back(std::move(m));
        if (stop) {
          // Keep later messages for the next read.
          return out;
        }
      }
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return out;
      pollfd p{fd_, POLLIN, 0};
      int pr = ::poll(&p, 1, int(std::min<long long>(left, 200)));
      if (pr <= 0) continue;
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        pending_.append(buf, std::size_t(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (closed != nullptr) *closed = true;
      auto tail = split_messages(pending_, &rest);
      pending_ = rest;
      for (auto& m : tail) out.push_back(std::move(m));
      return out;
    }
  }

  // Reads exactly one byte (the answer to an SSLRequest); -1 on close/timeout.
  int read_byte(milliseconds timeout) {
    if (!pending_.empty()) {
      int c = uint8_t(pending_[0]);
      pending_.erase(0, 1);
      return c;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, int(timeout.count())) <= 0) return -1;
    char c = 0;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 1 ? int(uint8_t(c)) : -1;
  }

 private:
  int fd_ = -1;
  std::string error_;
  std::string pending_;
};

// Logs in without a password (the proxy must use auth type trust): startup, then everything up to
// ReadyForQuery. Success when 'Z' arrived without an ErrorResponse.
inline ::testing::AssertionResult raw_trust_login(RawConn& c, const std::string& user, const std::string& db) {
  if (!c.ok()) return ::testing::AssertionFailure() << "connect failed: " << c.error();
  if (!c.send_all(startup_packet({{"user", user}, {"database", db}}))) {
    return ::testing::AssertionFailure() << "sending the startup packet failed: " << c.error();
  }
  bool closed = false;
  auto msgs = c.read_until('Z', milliseconds(15000), &closed);
  if (msgs.empty() || msgs.back().type != 'Z' || first_error(msgs)) {
    return ::testing::AssertionFailure() << "raw login did not reach ReadyForQuery: " << describe_messages(msgs)
                                         << (closed ? " (closed)" : "");
  }
  bool saw_auth_ok = false;
  for (const auto& m : msgs) {
    if (m.type == 'R' && m.body.size() >= 4 && read_be32(m.body.data()) == 0) saw_auth_ok = true;
  }
  if (!saw_auth_ok) return ::testing::AssertionFailure() << "no AuthenticationOk: " << describe_messages(msgs);
  return ::testing::AssertionSuccess();
}

// Checks the end of a raw connection the proxy rejected: an ErrorResponse with this SQLSTATE
// (and message fragment, when given), then the connection closed.
inline ::testing::AssertionResult rejected_with(const ReadResult& r, const std::string& sqlstate,
                                                const std::string& message_part = "") {
  auto err = first_error(r.messages());
  if (!err) return ::testing::AssertionFailure() << "no ErrorResponse: " << r.describe();
  if (err->sqlstate != sqlstate) {
    return ::testing::AssertionFailure() << "expected SQLSTATE " << sqlstate << ": " << r.describe();
  }
  if (!message_part.empty() && err->message.find(message_part) == std::string::npos) {
    return ::testing::AssertionFailure() << "expected a message containing \"" << message_part
                                         << "\": " << r.describe();
  }
  if (!r.closed) return ::testing::AssertionFailure() << "the connection was not closed: " << r.describe();
  return ::testing::AssertionSuccess();
}

// A libpq connection made step by step with PQERRORS_VERBOSE, so that a failed login's message
// carries the SQLSTATE ("FATAL:  28P01: password authentication failed ..."). Bounded by timeout.
inline PgConnPtr connect_verbose(const std::string& conninfo, milliseconds timeout = milliseconds(20000)) {
  PgConnPtr conn(PQconnectStart(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) == CONNECTION_BAD) return conn;
  PQsetErrorVerbosity(conn.get(), PQERRORS_VERBOSE);
  auto deadline = Clock::now() + timeout;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;  // leaves the connection not OK
    pollfd p{PQsocket(conn.get()), short(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    if (p.fd >= 0) ::poll(&p, 1, int(std::min<long long>(left, 200)));
    st = PQconnectPoll(conn.get());
  }
  return conn;
}

inline std::string error_text(const PgConnPtr& c) { return c ? PQerrorMessage(c.get()) : "(no connection)"; }

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Collects notices and asynchronous errors libpq receives outside a query.
struct NoticeLog {
  std::vector<std::string> messages;   // full text
  std::vector<std::string> sqlstates;
  static void receiver(void* arg, const PGresult* res) {
    auto* self = static_cast<NoticeLog*>(arg);
    const char* msg = PQresultErrorMessage(res);
    const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    self->messages.emplace_back(msg != nullptr ? msg : "");
    self->sqlstates.emplace_back(state != nullptr ? state : "");
  }
  void attach(PGconn* c) { PQsetNoticeReceiver(c, &NoticeLog::receiver, this); }
  std::string all() const {
    std::string s;
    for (std::size_t i = 0; i < messages.size(); ++i) s += "[" + sqlstates[i] + "] " + messages[i];
    return s;
  }
  bool any_contains(const std::string& part) const {
    for (const auto& m : messages)
      if (contains(m, part)) return true;
    return false;
  }
};

// Creates (once) a LOGIN role with this password (stored as SCRAM) and lets it use testdb.
inline void ensure_role(const PgServer& pg, const std::string& name, const std::string& password) {
  pg.exec("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + name +
              "') THEN CREATE ROLE " + name + " LOGIN; END IF; END$$",
          "postgres");
  pg.exec("SET password_encryption = 'scram-sha-256'; ALTER ROLE " + name + " PASSWORD '" + password + "'",
          "postgres");
  pg.exec("GRANT CONNECT, TEMPORARY ON DATABASE testdb TO " + name, "postgres");
}

// Runs sql without ever blocking longer than timeout. Returns the first error result, or else the
// last result; nullptr (with *timed_out) when no answer came in time.
inline PgResultPtr exec_bounded(PGconn* conn, const std::string& sql, milliseconds timeout, bool* timed_out) {
  *timed_out = false;
  if (PQsendQuery(conn, sql.c_str()) != 1) {
    return PgResultPtr(PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR));
  }
  auto results = get_all_results(conn, timeout, timed_out);
  if (*timed_out) return nullptr;
  PgResultPtr last;
  for (auto& r : results) {
    if (PQresultStatus(r.get()) == PGRES_FATAL_ERROR) return std::move(r);
    last = std::move(r);
  }
  return last;
}

// Polls cond every 50 ms until it is true or the timeout passes.
inline bool eventually(milliseconds timeout, const std::function<bool()>& cond) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (cond()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(50));
  }
}

inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace sluice::testing::wire
