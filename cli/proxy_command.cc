#include "cli/proxy_command.h"

#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>

#include "common/config_loader.h"
#include "common/logging.h"
#include "proxy/proxy_server.h"

namespace sluice::cli {

namespace {
struct ProxyArgs {
  std::string config_file;
  common::CommandLineOptions line;
};
}  // namespace

void add_proxy_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ProxyArgs>();
  CLI::App* cmd = app.add_subcommand("proxy", "Run the connection-pooling proxy");
  cmd->footer(
      "Examples:\n"
      "  sluice proxy -c sluice.toml\n"
      "  sluice proxy --listen 127.0.0.1:6432 --target postgres://app:secret@127.0.0.1:5432/appdb \\\n"
      "               --pool-mode transaction --pool-size 20\n"
      "Signals: SIGHUP reloads the config file, SIGTERM drains clients then stops, SIGINT stops now.");
  cmd->add_option("-c,--config", args->config_file, "TOML configuration file (sluice.toml)");
  cmd->add_option("--listen", args->line.listen, "Address to listen on, host:port (repeatable)");
  cmd->add_option("--target", args->line.target, "Server URL, postgres://user:pass@host:port/db");
  cmd->add_option("--pool-mode", args->line.pool_mode, "session | transaction (default transaction)");
  cmd->add_option("--pool-size", args->line.pool_size, "Server connections per database and user (default 20)");
  cmd->add_option("--workers", args->line.workers, "Worker threads (default: one per two cores)");
  cmd->add_option("--io", args->line.io, "auto | io_uring | libuv: how workers read and write sockets (default auto)");
  cmd->add_option("--auth-type", args->line.auth_type, "trust | md5 | scram-sha-256 (default scram-sha-256)");
  cmd->add_option("--users-file", args->line.users_file, "Userlist file: \"user\" \"password-or-secret\" per line");
  cmd->add_option("--log-level", args->line.log_level, "trace | debug | info | warn | error | off");
  cmd->add_option("--data-dir", args->line.data_dir, "Folder for the workload store");
  cmd->add_option("--admin-http", args->line.admin_http, "HTTP admin listener host:port (metrics, JSON API)");
  cmd->add_option("--admin-token", args->line.admin_token, "Bearer token the HTTP admin listener requires");
  cmd->add_option("--samples", args->line.samples, "Query samples with real values: on | redacted | off");
  cmd->add_flag("--no-observe", args->line.no_observe, "Forward queries without fingerprinting or timing them");
  cmd->add_option("--query-wait-timeout", args->line.query_wait_timeout, "Seconds a client may wait for a server");
  cmd->add_option("--max-client-conn", args->line.max_client_conn, "Most client connections at once");
  cmd->add_option("--tls-cert", args->line.tls_cert, "Certificate for TLS toward clients");
  cmd->add_option("--tls-key", args->line.tls_key, "Key for TLS toward clients");
  cmd->add_option("--client-tls", args->line.client_tls, "disable | prefer | require (toward clients)");
  cmd->add_option("--server-tls", args->line.server_tls, "disable | prefer | require (toward servers)");
  cmd->callback([args, cmd, &exit_code] {
    common::Config config;
    try {
      if (!args->config_file.empty()) {
        for (const CLI::Option* opt : cmd->get_options()) {
          if (opt->count() == 0 || opt->check_lname("config") || opt->check_lname("help")) continue;
          throw common::ConfigError(opt->get_name() + " cannot be combined with -c FILE: set it in " +
                                    args->config_file);
        }
        config = common::load_config_file(args->config_file);
      } else {
        if (args->line.target.empty())
          throw common::ConfigError("no configuration: give -c sluice.toml or --target postgres://...");
        config = common::config_from_command_line(args->line);
      }
    } catch (const std::exception& e) {
      std::cerr << "sluice: " << e.what() << "\n";
      exit_code = 2;
      return;
    }
    common::setup_logging(config.log_level);
    proxy::ProxyServer server(std::make_shared<const common::Config>(std::move(config)), args->config_file);
    exit_code = server.run();
  });
}

}  // namespace sluice::cli
