// The transport-independent APIs, handed together to the gRPC services and
// the REST gateway. A bundle of pointers owned by the Controller, which
// outlives every holder.
// The pointers are set once before any server starts; read-only after, so
// thread-safe to share.
#ifndef ARENA_CONTROLLER_API_APIS_H_
#define ARENA_CONTROLLER_API_APIS_H_

namespace arena {

class AdminApi;
class JobAccess;
class JobApi;
class LogApi;
class ResultsApi;
class SessionApi;

struct Apis {
  const JobAccess* access = nullptr;  // authentication, visibility, audit
  JobApi* jobs = nullptr;
  LogApi* logs = nullptr;
  AdminApi* admin = nullptr;
  ResultsApi* results = nullptr;
  SessionApi* sessions = nullptr;  // dashboard logins (REST only)
};

}  // namespace arena

#endif  // ARENA_CONTROLLER_API_APIS_H_
