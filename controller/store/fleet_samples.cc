#include "controller/store/fleet_samples.h"

#include "common/status_macros.h"
#include "controller/store/sql_query.h"

namespace arena {
namespace {

v1::FleetSample ReadSample(const Statement& row) {
  ColumnReader in(row);
  v1::FleetSample sample;
  sample.set_unix_ms(in.Int());
  sample.set_arch(in.Text());
  sample.set_agents(in.As<int32_t>());
  sample.set_slots(in.As<int32_t>());
  sample.set_busy(in.As<int32_t>());
  sample.set_unavailable(in.As<int32_t>());
  sample.set_queued(in.As<int32_t>());
  sample.set_started(in.As<int32_t>());
  sample.set_start_wait_ms_avg(in.Int());
  sample.set_start_wait_ms_max(in.Int());
  return sample;
}

}  // namespace

absl::Status FleetSamples::Add(const std::vector<v1::FleetSample>& samples,
                               int64_t prune_before_ms) {
  return connection_->Transaction([&](Database& db) -> absl::Status {
    for (const v1::FleetSample& s : samples) {
      RETURN_IF_ERROR(
          SqlQuery(db,
                   "INSERT OR REPLACE INTO fleet_samples(unix_ms, arch, agents, slots, busy, "
                   "unavailable, queued, started, start_wait_ms_avg, start_wait_ms_max) "
                   "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
              .Bind(s.unix_ms(), s.arch(), s.agents(), s.slots(), s.busy(), s.unavailable(),
                    s.queued(), s.started(), s.start_wait_ms_avg(), s.start_wait_ms_max())
              .Run()
              .status());
    }
    return SqlQuery(db, "DELETE FROM fleet_samples WHERE unix_ms < ?")
        .Bind(prune_before_ms)
        .Run()
        .status();
  });
}

absl::StatusOr<std::vector<v1::FleetSample>> FleetSamples::Since(int64_t since_ms,
                                                                 const std::string& arch,
                                                                 int limit) {
  return connection_->Read([&](Database& db) {
    return SqlQuery(db,
                    "SELECT unix_ms, arch, agents, slots, busy, unavailable, queued, started, "
                    "start_wait_ms_avg, start_wait_ms_max FROM fleet_samples "
                    "WHERE unix_ms >= ? AND (? = '' OR arch = ?) ORDER BY unix_ms, arch LIMIT ?")
        .Bind(since_ms, arch, arch, limit)
        .All(ReadSample);
  });
}

}  // namespace arena
