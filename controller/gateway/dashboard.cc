#include "controller/gateway/dashboard.h"

#include <httplib.h>

#include <string>

namespace arena {
namespace {

void Serve(httplib::Response& res, const DashboardAsset& asset) {
  res.set_content(asset.body, asset.content_type);
  // Scripts and styles only from here; no inline script; no framing.
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; "
                 "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "no-cache");
}

}  // namespace

void RegisterDashboard(httplib::Server* server) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    std::string name = asset.name;
    const DashboardAsset* found = &asset;
    server->Get("/dashboard/" + name,
                [found](const httplib::Request&, httplib::Response& res) { Serve(res, *found); });
    if (name == "index.html") {
      server->Get("/",
                  [found](const httplib::Request&, httplib::Response& res) { Serve(res, *found); });
    }
  }
}

}  // namespace arena
