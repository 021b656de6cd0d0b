#include "controller/api/session_api.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace arena {

absl::StatusOr<Session> SessionApi::Login(const v1::LoginRequest& request,
                                          const std::string& from) {
  absl::StatusOr<Session> session =
      arena::Login(access_->store(), request.username(), request.password(), absl::Now(), policy_);
  // The name as typed only when it could be a user's: it may be anything
  // (bytes that are not UTF-8 would break the audit's readers).
  const std::string name =
      ValidUserName(request.username()).ok() ? request.username() : "(not a user name)";
  if (session.ok()) {
    access_->Audit(name, "login", name, from);
  } else if (absl::IsResourceExhausted(session.status())) {
    access_->Audit(name, "login.locked", name, from);
  } else if (absl::IsUnauthenticated(session.status())) {
    access_->Audit(name, "login.failed", name, from);
  }
  return session;
}

absl::StatusOr<Principal> SessionApi::Authenticate(absl::string_view token,
                                                   std::string* csrf) const {
  return AuthenticateSession(access_->store(), token, absl::Now(), policy_, csrf);
}

absl::Status SessionApi::Logout(absl::string_view token, const Principal& who) {
  absl::Status ended = arena::Logout(access_->store(), token);
  if (ended.ok()) access_->Audit(who.name, "logout", who.name);
  return ended;
}

}  // namespace arena
