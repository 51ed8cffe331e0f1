// idle_clients: opens many client connections to a PostgreSQL server or proxy, completes the
// login on each and keeps them open and idle, for bench/idle_clients.sh (memory per idle
// client connection).
//
//   idle_clients [-n COUNT] [-w WINDOW] [-t TIMEOUT_S] [-q QUERY] CONNINFO
//
// Connections are made with libpq's nonblocking calls (PQconnectStart / PQconnectPoll):
// at most WINDOW logins are in flight at once, and a new one starts as soon as one finishes,
// so a proxy's accept queue and login path are kept busy without a burst of COUNT at once.
// With -q, every open connection then runs QUERY once (so that a proxy has seen one
// transaction on each, as an application's idle pooled connection would have), and the
// connections stay idle again.
//
// stdout carries one line per phase, for the script driving the tool:
//   connected ok=<n> failed=<n> seconds=<s>
//   queried ok=<n> failed=<n> seconds=<s>      (with -q)
// after which the tool waits, holding every connection, for a line on stdin:
//   "query"  runs QUERY (or -q's default) again on every connection, prints "queried ..."
//   "quit" or end of input  closes every connection (Terminate) and exits 0
// Progress and errors go to stderr. Exit 2 on bad arguments.
#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  long count = 10000;
  long window = 200;
  double timeout_s = 60;  // per login
  std::string query;
  std::string conninfo;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "idle_clients: %s\n"
               "usage: idle_clients [-n COUNT] [-w WINDOW] [-t TIMEOUT_S] [-q QUERY] CONNINFO\n"
               "  -n COUNT      connections to open (default 10000)\n"
               "  -w WINDOW     logins in flight at once (default 200)\n"
               "  -t TIMEOUT_S  seconds one login may take before it counts as failed (default 60)\n"
               "  -q QUERY      run QUERY once on every connection after the logins\n"
               "  CONNINFO      libpq connection string, e.g. \"host=127.0.0.1 port=6432 user=postgres\"\n",
               why);
  std::exit(2);
}

long parse_long(const char* s, const char* what) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end != '\0' || v < 1) usage((std::string(what) + " must be a positive whole number").c_str());
  return v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) usage((a + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "-n") {
      o.count = parse_long(value(), "-n");
    } else if (a == "-w") {
      o.window = parse_long(value(), "-w");
    } else if (a == "-t") {
      const char* v = value();
      char* end = nullptr;
      o.timeout_s = std::strtod(v, &end);
      if (end == v || *end != '\0' || o.timeout_s <= 0) usage("-t must be a positive number of seconds");
    } else if (a == "-q") {
      o.query = value();
    } else if (a == "-h" || a == "--help") {
      usage("help");
    } else if (!a.empty() && a[0] == '-') {
      usage(("unknown option " + a).c_str());
    } else if (o.conninfo.empty()) {
      o.conninfo = a;
    } else {
      usage("more than one CONNINFO");
    }
  }
  if (o.conninfo.empty()) usage("CONNINFO is missing");
  return o;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// One login in flight.
struct Pending {
  PGconn* conn = nullptr;
  PostgresPollingStatusType want = PGRES_POLLING_WRITING;  // what PQconnectPoll waits for
  Clock::time_point started;
};

class IdleClients {
 public:
  explicit IdleClients(Options o) : opt_(std::move(o)) {}

  ~IdleClients() {
    for (PGconn* c : open_) PQfinish(c);
  }

  // Opens opt_.count connections, at most opt_.window logins at a time.
  void connect_all() {
    const Clock::time_point t0 = Clock::now();
    Clock::time_point last_report = t0;
    std::vector<Pending> inflight;
    std::vector<pollfd> fds;
    long started = 0;
    open_.reserve(static_cast<std::size_t>(opt_.count));

    while (started < opt_.count || !inflight.empty()) {
      // Top up the window.
      while (started < opt_.count && static_cast<long>(inflight.size()) < opt_.window) {
        ++started;
        PGconn* c = PQconnectStart(opt_.conninfo.c_str());
        if (c == nullptr) {
          fail(nullptr, "PQconnectStart returned no connection (out of memory)");
          continue;
        }
        if (PQstatus(c) == CONNECTION_BAD) {
          fail(c, "connection could not start");
          continue;
        }
        inflight.push_back(Pending{c, PGRES_POLLING_WRITING, Clock::now()});
      }
      if (inflight.empty()) break;

      fds.resize(inflight.size());
      for (std::size_t i = 0; i < inflight.size(); ++i) {
        fds[i].fd = PQsocket(inflight[i].conn);
        fds[i].events = inflight[i].want == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        fds[i].revents = 0;
      }
      int n = poll(fds.data(), fds.size(), 200);
      if (n < 0 && errno != EINTR) {
        std::perror("idle_clients: poll");
        std::exit(1);
      }

      // Advance every login whose socket is ready; drop the finished ones (swap-remove).
      const double limit = opt_.timeout_s;
      for (std::size_t i = inflight.size(); i-- > 0;) {
        Pending& p = inflight[i];
        bool done = false;
        if (fds[i].revents != 0) {
          PostgresPollingStatusType st = PQconnectPoll(p.conn);
          if (st == PGRES_POLLING_OK) {
            open_.push_back(p.conn);
            done = true;
          } else if (st == PGRES_POLLING_FAILED) {
            fail(p.conn, nullptr);
            done = true;
          } else {
            p.want = st;
          }
        }
        if (!done && std::chrono::duration<double>(Clock::now() - p.started).count() > limit) {
          fail(p.conn, "login timed out");
          done = true;
        }
        if (done) {
          inflight[i] = inflight.back();
          inflight.pop_back();
          fds[i] = fds.back();
          fds.pop_back();
        }
      }

      if (seconds_since(last_report) >= 1.0) {
        last_report = Clock::now();
        std::fprintf(stderr, "idle_clients: %zu/%ld connected, %ld failed, %zu in flight, %.1f s\n", open_.size(),
                     opt_.count, failed_, inflight.size(), seconds_since(t0));
      }
    }
    std::fprintf(stderr, "idle_clients: %zu/%ld connected, %ld failed, %.1f s\n", open_.size(), opt_.count, failed_,
                 seconds_since(t0));
    std::printf("connected ok=%zu failed=%ld seconds=%.2f\n", open_.size(), failed_, seconds_since(t0));
    std::fflush(stdout);
  }

  // Runs the query once on every open connection, one after another.
  void query_all(const std::string& sql) {
    const Clock::time_point t0 = Clock::now();
    long ok = 0, bad = 0;
    for (PGconn* c : open_) {
      PGresult* r = PQexec(c, sql.c_str());
      ExecStatusType st = PQresultStatus(r);
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
        ++ok;
      } else {
        if (bad < 5) std::fprintf(stderr, "idle_clients: query failed: %s", PQerrorMessage(c));
        ++bad;
      }
      PQclear(r);
    }
    std::fprintf(stderr, "idle_clients: query ran on %ld connections, %ld failed, %.1f s\n", ok, bad,
                 seconds_since(t0));
    std::printf("queried ok=%ld failed=%ld seconds=%.2f\n", ok, bad, seconds_since(t0));
    std::fflush(stdout);
  }

  // Holds the connections until "quit" or the end of stdin.
  void hold() {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line == "quit") break;
      if (line == "query") {
        query_all(opt_.query.empty() ? std::string("SELECT 1") : opt_.query);
      } else if (!line.empty()) {
        std::fprintf(stderr, "idle_clients: unknown command '%s' (query, quit)\n", line.c_str());
      }
    }
    std::fprintf(stderr, "idle_clients: closing %zu connections\n", open_.size());
  }

  const Options& options() const { return opt_; }

 private:
  void fail(PGconn* c, const char* why) {
    ++failed_;
    if (failed_ <= 5) {
      std::string msg = why != nullptr ? why : "";
      if (c != nullptr) {
        if (!msg.empty()) msg += ": ";
        msg += PQerrorMessage(c);
      }
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      std::fprintf(stderr, "idle_clients: login failed: %s\n", msg.c_str());
      if (failed_ == 5) std::fprintf(stderr, "idle_clients: (further failures are counted, not shown)\n");
    }
    if (c != nullptr) PQfinish(c);
  }

  Options opt_;
  std::vector<PGconn*> open_;
  long failed_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  IdleClients tool(parse_args(argc, argv));
  tool.connect_all();
  if (!tool.options().query.empty()) tool.query_all(tool.options().query);
  tool.hold();
  return 0;
}
