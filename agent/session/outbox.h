// What the agent sends the controller next, in this order: control messages
// (started and progress events, credits, questions) as they were queued, log
// chunks of the attempts in attempt-id order, then an ended attempt's files,
// then its result, which goes only after the last byte of its task log, once
// its other channels are durable and its files are sent. A certificate
// renewal and heartbeats are the connection's (controller_link.h).
//
// Owned by the AgentSession; the connection's writer takes messages, the
// session's other threads queue them. Thread-safe. Lock order: the
// session's lock, then the outbox's, then an OutputSpool's; spool files are
// read with no outbox lock held.
#ifndef ARENA_AGENT_SESSION_OUTBOX_H_
#define ARENA_AGENT_SESSION_OUTBOX_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/session/output_spool.h"
#include "arena/v1/agent.pb.h"

namespace arena {

class Outbox {
 public:
  // A connection takes messages from now on: queued control messages are
  // dropped (they were for the last one) and every attempt's output is sent
  // again from where the controller's LogAck says.
  void Open() ABSL_LOCKS_EXCLUDED(mu_);
  // The connection is over: control messages are dropped until Open.
  void Close() ABSL_LOCKS_EXCLUDED(mu_);
  bool open() const ABSL_LOCKS_EXCLUDED(mu_);
  // Queues a control message; false (dropped) when no connection is open.
  bool Push(v1::AgentMessage message) ABSL_LOCKS_EXCLUDED(mu_);

  // An attempt whose output is to be sent.
  void Add(std::shared_ptr<OutputSpool> output) ABSL_LOCKS_EXCLUDED(mu_);
  // The attempt ended: `result` follows its output.
  void Finish(const std::string& attempt_id, v1::TaskEvent result) ABSL_LOCKS_EXCLUDED(mu_);
  // The attempt is no longer current: its result is never sent.
  void Fence(const std::string& attempt_id) ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(const std::string& attempt_id) ABSL_LOCKS_EXCLUDED(mu_);
  // An attempt's output grew or was acknowledged: wakes the writer.
  void Poke() ABSL_LOCKS_EXCLUDED(mu_);

  // The next message, waiting up to `wait` for one; nullopt when none came
  // or the outbox closed.
  std::optional<v1::AgentMessage> Next(absl::Duration wait) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    std::shared_ptr<OutputSpool> output;
    bool finished = false;
    bool fenced = false;
    bool result_sent = false;
    v1::TaskEvent result;
    bool Done() const { return finished && !fenced && !result_sent && output->LogsDone(); }
    bool FileReady() const { return Done() && output->HasFileToSend(); }
    bool ResultReady() const { return Done() && !output->HasFileToSend(); }
  };

  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The outputs with log chunks or files to send now, in attempt order.
  std::vector<std::shared_ptr<OutputSpool>> WithLogs() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::shared_ptr<OutputSpool>> WithFiles() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<v1::AgentMessage> NextResult() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads, without the lock: a log chunk, else a file chunk.
  std::optional<v1::AgentMessage> ReadChunk(const std::vector<std::shared_ptr<OutputSpool>>& logs,
                                            const std::vector<std::shared_ptr<OutputSpool>>& files)
      ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<v1::AgentMessage> control_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arena

#endif  // ARENA_AGENT_SESSION_OUTBOX_H_
