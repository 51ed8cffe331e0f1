// One TCP connection on a worker, optionally wrapped in TLS (OpenSSL memory BIOs). Writes are
// buffered in out_buffer() and sent by flush(), so a burst of forwarded messages costs one
// send. The socket's reads and writes go through the worker's io_uring when it has one (one
// multishot receive, at most one send in flight, all submitted together once per loop
// iteration), through libuv otherwise; connecting and accepting always go through libuv.
// The object frees itself after close(); owners must drop their pointer then.
#pragma once

#include <openssl/ssl.h>
#include <uv.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::proxy::net {

class Worker;
class Connection;
class UringIo;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Plaintext bytes arrived; `data` is only valid during the call.
  virtual void on_read(Connection& c, std::string_view data) = 0;
  // The peer went away or an I/O error happened. No more callbacks follow.
  virtual void on_closed(Connection& c, std::string_view reason) = 0;
  // Outgoing connect finished (status 0) or failed (libuv error code).
  virtual void on_connected(Connection&, int /*status*/) {}
  // TLS handshake finished.
  virtual void on_tls_ready(Connection&, bool /*ok*/, std::string_view /*error*/) {}
  // Pending writes fell below the low watermark after having been above the high one.
  virtual void on_drained(Connection&) {}
};

// A socket (and its TLS state) taken out of one worker's loop to be adopted by another.
struct DetachedSocket {
  int fd = -1;
  SSL* ssl = nullptr;
  bool tls_handshake_done = false;
  std::string pending_input;  // bytes already read from fd and not yet handled (io_uring only)
};

class Connection {
 public:
  static constexpr std::size_t kHighWatermark = 1 << 20;
  static constexpr std::size_t kLowWatermark = 256 << 10;

  Connection(Worker& worker, ConnectionHandler* handler);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Does not start reading: the owner calls start_reading() once it has a handler.
  int accept(uv_stream_t* listener);
  void start_reading();
  // Asynchronous; the result arrives through on_connected.
  void connect(const std::string& host, uint16_t port);

  void set_handler(ConnectionHandler* h) { handler_ = h; }
  std::string& out_buffer() { return out_; }
  void write(std::string_view data) { out_.append(data.data(), data.size()); }
  void flush();

  void start_tls_server(SSL_CTX* ctx);
  void start_tls_client(SSL_CTX* ctx, const std::string& server_name);
  bool is_tls() const { return ssl_ != nullptr; }

  void pause_reading();
  void resume_reading();
  bool reading_paused() const { return paused_; }
  // Bytes handed to the kernel queue but not yet written, plus unflushed bytes.
  std::size_t pending_bytes() const { return in_flight_ + out_.size(); }
  bool congested() const { return pending_bytes() > kHighWatermark; }

  // Hands the socket over (for another worker's loop) and closes this handle. fd is -1 when it
  // cannot move now (writes still queued). On io_uring the receive is cancelled first, and
  // whatever it had already taken travels along in pending_input.
  DetachedSocket detach_socket();
  // Wraps a detached socket on `worker`'s loop and starts reading. nullptr on failure (fd closed).
  static Connection* adopt(Worker& worker, ConnectionHandler* handler, DetachedSocket socket);

  // Idempotent. What flush() queued is handed to the kernel first; what the socket cannot take
  // at once is dropped. The handler gets no callbacks after this; memory is freed asynchronously.
  void close();
  bool closed() const { return closing_; }

  std::string peer_address() const;
  Worker& worker() { return worker_; }

  // For Worker: a completion of this connection's io_uring receive or send.
  static void on_uring_completion(uint64_t user_data, int res, unsigned flags);
  // For Worker: input held back while reading was paused, or brought along by adopt().
  void deliver_held_input();

 private:
  ~Connection();
  struct WriteRequest;

  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read_cb(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  static void on_write_cb(uv_write_t* req, int status);
  static void on_close_cb(uv_handle_t* h);
  static void on_connect_cb(uv_connect_t* req, int status);
  static void on_resolved_cb(uv_getaddrinfo_t* req, int status, struct addrinfo* res);

  void deliver(std::string_view data);
  void deliver_ciphertext(const char* data, std::size_t len);
  void send_wire(std::string_view data);
  void pump_tls_output();
  void fail(std::string_view reason);
  void connect_to(const struct sockaddr* addr);
  void finish_close();
  int fd();
  // io_uring path (io_ set)
  void arm_recv();
  void on_recv_completion(int res, unsigned flags);
  void on_send_completion(int res);
  void start_send();
  void send_rest_now();
  void hold(std::string_view data);
  void note_pending();

  Worker& worker_;
  ConnectionHandler* handler_;
  uv_tcp_t tcp_;
  uv_connect_t connect_req_;
  uv_getaddrinfo_t resolve_req_;
  uint16_t connect_port_ = 0;
  std::string out_;
  std::size_t in_flight_ = 0;
  bool was_congested_ = false;
  bool paused_ = false;
  bool reading_ = false;
  bool closing_ = false;
  bool close_reported_ = false;
  bool handle_closed_ = false;
  bool waiting_to_close_ = false;  // counted in Worker::note_uring_closing

  UringIo* io_ = nullptr;   // the worker's ring, or nullptr: libuv does the reads and writes
  int fd_ = -1;
  bool recv_armed_ = false;  // a multishot receive is in the kernel (until its last completion)
  bool send_busy_ = false;   // send_buf_[send_off_..] is in the kernel
  bool eof_held_ = false;    // the peer closed after the held input
  bool held_scheduled_ = false;
  std::string send_buf_;
  std::size_t send_off_ = 0;
  std::string queued_;      // wire bytes waiting behind the send in flight
  std::string held_input_;  // read while paused (or carried over by adopt), not yet delivered

  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // ciphertext from the network into OpenSSL
  BIO* wbio_ = nullptr;  // ciphertext from OpenSSL to the network
  bool tls_handshake_done_ = false;
  std::string tls_wire_;
};

}  // namespace sluice::proxy::net
