// arena-controller: scheduler, SQLite store, gRPC API for agents and users,
// HTTP endpoints, and the certificate authority for agents. This file is
// the command line (controller_flags.h) and the signals; controller.h wires
// and runs the parts.
#include <curl/curl.h>
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/flags.h"
#include "common/logging.h"
#include "common/sd_notify.h"
#include "common/signals.h"
#include "controller/controller.h"
#include "controller/controller_flags.h"
#include "controller/store/sql_query.h"
#include "controller/store/sqlite_database.h"

namespace arena {
namespace {

constexpr char kUsage[] =
    "usage: arena-controller --data-dir DIR [--listen HOST:PORT] "
    "[--http-listen HOST:PORT]\n"
    "                        [--advertise NAME,...] [--default-image IMAGE]\n"
    "                        [--agent-cert-ttl DURATION] [--agent-lease 30s]\n"
    "                        [--restart-grace 30s] [--max-log-bytes 104857600]\n"
    "                        [--max-memory-mb 8192] [--max-cpus 4] [--max-pids 4096]\n"
    "                        [--max-disk-mb 10240] [--fleet-sample-interval 1m]\n"
    "                        [--allow-network host,bridge] [--http-insecure]\n"
    "                        [--allowed-pull-policies always,if-not-present,never]\n"
    "                        [--allow-local-repos]   (file:// and path repos: tests only)\n"
    "                        [--allure-url http(s)://HOST:PORT [--allure-project P]\n"
    "                         [--allure-token-file F] [--allure-ca-file F]]\n"
    "                        [--log-level debug|info|warn|error] [--log-format text|json]\n"
    "       arena-controller backup --data-dir DIR FILE   (online copy of the database)\n";

int Fail(const absl::Status& status) {
  std::cerr << "arena-controller: " << status.message() << "\n";
  return 1;
}

// A command line that cannot start a controller: exit status 2.
int Usage(const absl::Status& status) {
  std::cerr << "arena-controller: " << status.message() << " (see --help)\n";
  return 2;
}

// arena-controller backup --data-dir DIR FILE: an online, consistent copy of
// the database (the controller may be running).
int Backup(const std::vector<std::string>& args) {
  FlagSpec spec;
  spec.value_flags = {"data-dir"};
  absl::StatusOr<ParsedFlags> flags = ParseFlags(spec, args);
  if (!flags.ok() || flags->positional().size() != 1 || flags->Get("data-dir").empty()) {
    std::cerr << "usage: arena-controller backup --data-dir DIR FILE\n";
    return 2;
  }
  std::string source = absl::StrCat(flags->Get("data-dir"), "/arena.db");
  const std::string& target = flags->positional()[0];
  if (!FileExists(source))
    return Fail(absl::NotFoundError(absl::StrCat("no database at ", source)));
  if (FileExists(target)) {
    return Fail(absl::AlreadyExistsError(absl::StrCat(target, " exists; choose a new file")));
  }
  absl::StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open(source);
  if (!db.ok()) return Fail(db.status());
  absl::Status copied = (*db)->BackupTo(target);
  if (!copied.ok()) return Fail(copied);
  absl::StatusOr<std::unique_ptr<SqliteDatabase>> copy = SqliteDatabase::Open(target);
  if (!copy.ok()) return Fail(copy.status());
  auto first_text = [](const Statement& row) { return row.Text(0); };
  absl::StatusOr<std::optional<std::string>> check =
      SqlQuery(**copy, "PRAGMA integrity_check").One(first_text);
  if (!check.ok() || *check != "ok") {
    return Fail(
        absl::DataLossError(absl::StrCat("the copy in ", target, " fails its integrity check")));
  }
  auto first_int = [](const Statement& row) { return row.Int(0); };
  absl::StatusOr<std::optional<int64_t>> jobs =
      SqlQuery(**copy, "SELECT count(*) FROM jobs").One(first_int);
  std::printf("arena-controller: backed up %lld jobs to %s (integrity ok)\n",
              jobs.ok() && *jobs ? static_cast<long long>(**jobs) : 0LL, target.c_str());
  return 0;
}

int Main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "backup") {
    return Backup(std::vector<std::string>(argv + 2, argv + argc));
  }
  absl::StatusOr<ParsedFlags> flags =
      ParseFlags(ControllerFlagSpec(), std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) return Usage(flags.status());
  if (flags->Has("help")) {
    std::cout << kUsage;
    return 0;
  }
  absl::Status logging =
      SetLogOptions(flags->Get("log-level", "info"), flags->Get("log-format", "text"));
  if (!logging.ok()) return Usage(logging);
  absl::StatusOr<ControllerConfig> config = ConfigFromFlags(*flags);
  if (!config.ok()) return Usage(config.status());
  // Before any thread starts: every thread inherits the mask, and this one
  // takes the signal when it comes.
  absl::Status blocked = BlockTerminationSignals();
  if (!blocked.ok()) return Fail(blocked);
  curl_global_init(CURL_GLOBAL_DEFAULT);  // the Allure client's; not thread-safe
  absl::StatusOr<std::unique_ptr<Controller>> controller = Controller::Start(*std::move(config));
  if (!controller.ok()) return Fail(controller.status());
  int signo = WaitForTerminationSignal();
  LogLine("controller",
          absl::StrCat("shutting down (", signo == SIGINT ? "SIGINT" : "SIGTERM", ")"));
  SdNotify("STOPPING=1");
  (*controller)->Stop();
  return 0;
}

}  // namespace
}  // namespace arena

int main(int argc, char** argv) { return arena::Main(argc, argv); }
