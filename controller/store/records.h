// The rows the store reads and writes that are not protos: agents, tokens,
// audit entries, credentials, attempts, artifacts, and the shapes of pages
// and queries. Plain values, owned by whoever holds them (copyable, no
// locking: thread-compatible).
#ifndef ARENA_CONTROLLER_STORE_RECORDS_H_
#define ARENA_CONTROLLER_STORE_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "arena/v1/jobs.pb.h"

namespace arena {

struct AgentRecord {
  std::string id;
  std::string hostname;
  std::string platforms;  // "amd64,arm64(emulated)"
  std::string labels;     // "k=v,k2=v2"
  int32_t slots = 0;
  int64_t enrolled_ms = 0;
  int64_t last_seen_ms = 0;
  bool revoked = false;
  bool draining = false;
};

struct ApiToken {
  std::string id;
  std::string name;
  std::string role;  // admin | operator | submitter
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // 0: never
  bool revoked = false;
  std::string user;  // the user it belongs to; "" for none
};

struct AuditRecord {
  int64_t unix_ms = 0;
  std::string actor;
  std::string action;
  std::string target;
  std::string detail;
};

// Where a host credential belongs: a private git host's or a container
// registry's. Each has its own table; one credential per host in each.
enum class CredentialScope { kGit, kRegistry };

// A host's credential as stored: `sealed` is opened only by the controller's
// SecretBox (a GitAccess for git, a RegistryAuth for registries).
struct CredentialRecord {
  std::string host;
  std::string kind;  // git: https-token | ssh-key; registry: basic
  std::string username;
  bool has_ca = false;
  std::string sealed;
  int64_t created_ms = 0;
};

struct AttemptRecord {
  std::string id;
  std::string task_id;
  std::string job_id;
  std::string agent_id;
  v1::State state = v1::QUEUED;
  int32_t exit_code = 0;
  std::string reason;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  int64_t exited_ms = 0;  // the agent had the result (its clock)
  int64_t log_bytes = 0;
  bool emulated = false;
  std::vector<std::string> notes;  // no newlines (see AttemptNotes)
  std::string image_digest;        // what ran (repo digest, else image id)
  // The attempt whose process ran this test with others; empty: its own.
  std::string batch_attempt_id;
};

// A page of rows after a position (a row id or a task's sequence number),
// at most `limit` of them (0: every row), and no more rows once they hold
// `max_bytes` (0: no such bound; a page has at least one row).
struct RowPage {
  int64_t after = 0;
  int limit = 0;
  int64_t max_bytes = 0;
};

// How one test of one task of a job went, over all its recorded rows.
struct TestOutcome {
  bool passed = false;      // some row passed
  bool failed = false;      // some row failed or errored
  int64_t last_id = 0;      // the latest row
  std::string last_status;  // ... and its status
};

template <typename Row>
struct Page {
  std::vector<Row> rows;
  int64_t next_after = 0;  // where the next page starts; 0 on the last page
};

struct ArtifactRecord {
  std::string attempt_id;
  std::string job_id;
  std::string task_id;
  std::string path;
  int64_t size = 0;
  bool junit = false;
};

// One test's outcome in one job (for flake statistics).
struct TestRun {
  std::string test_key;
  std::string arch;
  std::string job_id;
  bool passed = false;
  bool failed = false;  // failed or error
};

struct JobQuery {
  int limit = 50;
  int64_t before_rowid = 0;  // page cursor; 0 for the first page
  int state = 0;             // v1::State, 0 for any
  std::string owner;         // only this owner's jobs when set
  std::string arch;          // only jobs with a task for this architecture
  int tasks_per_job = 100;   // each listed job carries its first tasks only
};

struct JobPage {
  std::vector<v1::Job> jobs;  // newest first
  bool more = false;
  int64_t next_before_rowid = 0;
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_STORE_RECORDS_H_
