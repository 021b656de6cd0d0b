#include "controller/store/store_connection.h"

#include "common/status_macros.h"

namespace arena {

absl::Status StoreConnection::Transaction(const std::function<absl::Status(Database&)>& body) {
  WriteTurn turn(gate_.get());
  absl::MutexLock lock(&mu_);
  if (in_batch_) {
    RETURN_IF_ERROR(db_->Exec("SAVEPOINT body"));
    absl::Status status = body(*db_);
    if (!status.ok()) db_->Exec("ROLLBACK TO body").IgnoreError();
    db_->Exec("RELEASE body").IgnoreError();
    return status;
  }
  RETURN_IF_ERROR(db_->Begin());
  absl::Status status = body(*db_);
  if (!status.ok()) {
    db_->Rollback().IgnoreError();
    return status;
  }
  return db_->Commit();
}

absl::Status StoreConnection::AddReaders(std::vector<std::unique_ptr<Database>> readers) {
  {
    absl::MutexLock lock(&mu_);
    if (batched_)
      return absl::FailedPreconditionError("a connection with batches takes no readers");
  }
  absl::MutexLock pool(&pool_mu_);
  for (std::unique_ptr<Database>& reader : readers) {
    idle_.push_back(reader.get());
    readers_.push_back(std::move(reader));
  }
  return absl::OkStatus();
}

Database* StoreConnection::TakeReader() {
  absl::MutexLock pool(&pool_mu_);
  if (readers_.empty()) return nullptr;
  pool_mu_.Await(absl::Condition(
      +[](std::vector<Database*>* idle) { return !idle->empty(); }, &idle_));
  Database* reader = idle_.back();
  idle_.pop_back();
  return reader;
}

void StoreConnection::ReturnReader(Database* reader) {
  absl::MutexLock pool(&pool_mu_);
  idle_.push_back(reader);
}

absl::Status StoreConnection::BeginBatch() {
  {
    absl::MutexLock pool(&pool_mu_);
    if (!readers_.empty()) {
      return absl::FailedPreconditionError("a connection with readers holds no batch");
    }
  }
  gate_->BeginBatch();
  absl::MutexLock lock(&mu_);
  batched_ = true;
  absl::Status status =
      in_batch_ ? absl::FailedPreconditionError("a batch is already open") : db_->Begin();
  if (!status.ok()) {
    gate_->EndBatch();
    return status;
  }
  in_batch_ = true;
  return absl::OkStatus();
}

absl::Status StoreConnection::CommitBatch() {
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    if (!in_batch_) return absl::FailedPreconditionError("no batch is open");
    in_batch_ = false;
    if (!db_->InTransaction()) {
      // The engine ended the transaction on an error; later writes of the
      // batch committed one by one. Report it so the caller reloads.
      status = absl::AbortedError("the store rolled the batch back after a failed write");
    } else {
      status = db_->Commit();
      if (!status.ok()) db_->Rollback().IgnoreError();
    }
  }
  gate_->EndBatch();
  return status;
}

absl::Status StoreConnection::RollbackBatch() {
  {
    absl::MutexLock lock(&mu_);
    if (!in_batch_) return absl::FailedPreconditionError("no batch is open");
    in_batch_ = false;
    if (db_->InTransaction()) db_->Rollback().IgnoreError();
  }
  gate_->EndBatch();
  return absl::OkStatus();
}

void StoreConnection::SetWriteObserver(WriteObserver observer) {
  absl::MutexLock lock(&mu_);
  db_->SetWriteObserver(std::move(observer));
}

}  // namespace arena
