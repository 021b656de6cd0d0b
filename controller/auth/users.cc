#include "controller/auth/users.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "controller/store/store.h"

namespace arena {
namespace {

constexpr char kWrongLogin[] = "wrong user name or password";

absl::Status SodiumReady() {
  static const int ready = sodium_init();  // 0, or 1 when already initialised
  if (ready < 0) return absl::InternalError("libsodium cannot initialise");
  return absl::OkStatus();
}

// At most this many argon2id runs (64 MiB each) at once: a burst of logins
// gets 429 rather than the controller's memory.
constexpr int kMaxHashesAtOnce = 4;
std::atomic<int> hashes_running{0};

class HashSlot {
 public:
  HashSlot() : taken_(hashes_running.fetch_add(1) < kMaxHashesAtOnce) {}
  ~HashSlot() { hashes_running.fetch_sub(1); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;
  absl::Status status() const {
    if (taken_) return absl::OkStatus();
    return absl::ResourceExhaustedError("too many logins at once; try again in a second");
  }

 private:
  const bool taken_;
};

absl::StatusOr<std::string> HashPassword(absl::string_view password) {
  RETURN_IF_ERROR(ValidPassword(password));
  RETURN_IF_ERROR(SodiumReady());
  HashSlot slot;
  RETURN_IF_ERROR(slot.status());
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return absl::ResourceExhaustedError("not enough memory to hash a password");
  }
  return std::string(hash);
}

// True when `password` matches; ResourceExhausted while too many run.
absl::StatusOr<bool> VerifyPassword(const std::string& hash, absl::string_view password) {
  RETURN_IF_ERROR(SodiumReady());
  HashSlot slot;
  RETURN_IF_ERROR(slot.status());
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// A hash to verify against for an unknown user, so that the answer takes
// as long as for a known one.
const std::string& DecoyHash() {
  static const std::string* decoy = [] {
    absl::StatusOr<std::string> hash = HashPassword(NewSecret(16));
    return new std::string(hash.ok() ? *hash : "");
  }();
  return *decoy;
}

absl::Status Expired(const SessionRecord& s, absl::Time now, const LoginPolicy& policy) {
  if (s.ended) return absl::UnauthenticatedError("the session has ended; log in again");
  if (s.disabled) return absl::UnauthenticatedError(absl::StrCat("user ", s.user, " is disabled"));
  if (absl::FromUnixMillis(s.created_ms) + policy.absolute <= now ||
      absl::FromUnixMillis(s.last_seen_ms) + policy.idle <= now) {
    return absl::UnauthenticatedError("the session has expired; log in again");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidUserName(absl::string_view name) {
  const bool ok = !name.empty() && name.size() <= 64 && name[0] != '-' &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
                           c == '_' || c == '-';
                  });
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "a user name is 1 to 64 of letters, digits, '.', '_' and '-', not starting with '-'");
}

absl::Status ValidPassword(absl::string_view password) {
  if (password.size() < 12)
    return absl::InvalidArgumentError("a password needs 12 characters or more");
  if (password.size() > 1024) return absl::InvalidArgumentError("a password is at most 1024 bytes");
  return absl::OkStatus();
}

absl::Status CreateUser(Store* store, const std::string& name, const std::string& role,
                        absl::string_view password, absl::Time now) {
  RETURN_IF_ERROR(ValidUserName(name));
  if (!IsValidRole(role)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown role \"", role, "\" (admin, operator, submitter)"));
  }
  UserRecord user;
  user.name = name;
  user.role = role;
  ASSIGN_OR_RETURN(user.password_hash, HashPassword(password));
  user.created_ms = absl::ToUnixMillis(now);
  return store->users().Insert(user);
}

absl::Status SetUserPassword(Store* store, const std::string& name, absl::string_view password) {
  ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  return store->users().SetPasswordHash(name, hash);
}

absl::Time LockedUntil(int failures, absl::Time now, const LoginPolicy& policy) {
  if (failures < policy.free_failures) return now;
  absl::Duration lock = policy.first_lock;
  for (int i = policy.free_failures; i < failures && lock < policy.max_lock; ++i) lock *= 2;
  return now + std::min(lock, policy.max_lock);
}

absl::StatusOr<Session> Login(Store* store, const std::string& name, absl::string_view password,
                              absl::Time now, const LoginPolicy& policy) {
  if (!ValidUserName(name).ok() || password.size() > 1024) {
    return absl::UnauthenticatedError(kWrongLogin);
  }
  absl::StatusOr<UserRecord> user = store->users().Get(name);
  if (absl::IsNotFound(user.status())) {
    RETURN_IF_ERROR(VerifyPassword(DecoyHash(), password).status());
    return absl::UnauthenticatedError(kWrongLogin);
  }
  RETURN_IF_ERROR(user.status());
  const absl::Time locked = absl::FromUnixMillis(user->locked_until_ms);
  if (locked > now) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many failed logins for ", name, "; try again in ",
                     absl::FormatDuration(absl::Ceil(locked - now, absl::Seconds(1)))));
  }
  ASSIGN_OR_RETURN(bool matches, VerifyPassword(user->password_hash, password));
  if (!matches || user->disabled) {
    const int failures = user->failed_logins + 1;
    RETURN_IF_ERROR(store->users().RecordLogin(
        name, failures, absl::ToUnixMillis(LockedUntil(failures, now, policy)),
        user->last_login_ms));
    return absl::UnauthenticatedError(kWrongLogin);
  }
  RETURN_IF_ERROR(store->users().RecordLogin(name, 0, 0, absl::ToUnixMillis(now)));
  Session session;
  session.token = absl::StrCat("ass_", NewSecret(24));
  session.csrf = NewSecret(24);
  session.expires = now + policy.absolute;
  RETURN_IF_ERROR(store->users().InsertSession(Sha256Hex(session.token), name, session.csrf,
                                               absl::ToUnixMillis(now)));
  session.who.name = name;
  session.who.role = user->role;
  session.who.session_hash = Sha256Hex(session.token);
  session.who.user = name;
  return session;
}

absl::StatusOr<Principal> AuthenticateSession(Store* store, absl::string_view token, absl::Time now,
                                              const LoginPolicy& policy, std::string* csrf) {
  const std::string hash = Sha256Hex(token);
  absl::StatusOr<SessionRecord> session = store->users().GetSession(hash);
  if (absl::IsNotFound(session.status())) {
    return absl::UnauthenticatedError("unknown session; log in again");
  }
  RETURN_IF_ERROR(session.status());
  RETURN_IF_ERROR(Expired(*session, now, policy));
  // The idle clock restarts at most once a minute: the dashboard polls
  // every second, and a write per poll would cost more than the minute.
  if (now - absl::FromUnixMillis(session->last_seen_ms) >= absl::Minutes(1)) {
    RETURN_IF_ERROR(store->users().TouchSession(hash, absl::ToUnixMillis(now)));
  }
  if (csrf != nullptr) *csrf = session->csrf;
  Principal who;
  who.name = session->user;
  who.role = session->role;
  who.session_hash = hash;
  who.user = session->user;
  return who;
}

absl::Status CheckSessionValid(Store* store, const std::string& session_hash, absl::Time now,
                               const LoginPolicy& policy) {
  absl::StatusOr<SessionRecord> session = store->users().GetSession(session_hash);
  if (absl::IsNotFound(session.status())) return absl::UnauthenticatedError("unknown session");
  if (!session.ok()) return absl::OkStatus();  // a busy store is no verdict on the session
  return Expired(*session, now, policy);
}

absl::Status Logout(Store* store, absl::string_view token) {
  return store->users().EndSession(Sha256Hex(token));
}

absl::StatusOr<std::string> EnsureAdminUser(Store* store, const std::string& data_dir) {
  if (store->users().Get("admin").ok()) return std::string();
  std::string password = NewSecret(18);
  // The file first: a user whose password was never kept would be lost.
  const std::string path = absl::StrCat(data_dir, "/admin.password");
  RETURN_IF_ERROR(WriteFileAtomic(path, absl::StrCat(password, "\n"), 0600));
  absl::Status created = CreateUser(store, "admin", "admin", password, absl::Now());
  if (absl::IsAlreadyExists(created)) return std::string();
  RETURN_IF_ERROR(created);
  return password;
}

}  // namespace arena
