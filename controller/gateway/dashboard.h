// The web dashboard: static files (controller/gateway/dashboard/) compiled
// into the controller and served at / and /dashboard/*. The page itself talks
// to the REST API with the user's token; serving it needs none.
// Stateless: registering and serving are thread-safe.
#ifndef ARENA_CONTROLLER_GATEWAY_DASHBOARD_H_
#define ARENA_CONTROLLER_GATEWAY_DASHBOARD_H_

#include <vector>

namespace httplib {
class Server;
}

namespace arena {

struct DashboardAsset {
  const char* name;  // "index.html"
  const char* content_type;
  const char* body;
};

// Generated at build time (embed_assets.cmake).
const std::vector<DashboardAsset>& DashboardAssets();

void RegisterDashboard(httplib::Server* server);

}  // namespace arena

#endif  // ARENA_CONTROLLER_GATEWAY_DASHBOARD_H_
