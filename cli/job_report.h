// How arenactl reports a job: tables of its tasks, attempts and agents'
// notes, a bounded summary of its failed tests, the verdict line, and the
// JUnit XML and allure-results files. Every server-supplied text goes through
// the terminal sanitiser (cli/terminal.h). Functions over the caller's Cli
// and job; not thread-safe (they print).
#ifndef ARENA_CLI_JOB_REPORT_H_
#define ARENA_CLI_JOB_REPORT_H_

#include <string>

#include "arena/v1/jobs.pb.h"
#include "arena/v1/results.pb.h"
#include "cli/cli.h"

namespace arena {

void PrintTasks(const v1::Job& job);
// Every attempt of tasks that needed more than one.
void PrintAttempts(const v1::Job& job);
// What agents skipped, truncated or refused, per attempt.
void PrintNotes(const v1::Job& job);
// The image each attempt ran (repo digest, else image id), per attempt.
void PrintImageDigests(const v1::Job& job);
// The job's failed and flaky tests (from one bounded page of them) and the
// count of all its tests.
void PrintTestSummary(const v1::ListResultsResponse& failures, const std::string& job_id);
// JUnit XML and allure-results of a finished job, read page by page. Returns
// 0, or the exit code of a failure to write.
int WriteReports(Cli& cli, const std::string& job_id, const std::string& junit_out,
                 const std::string& allure_dir);
// The verdict of a finished job from its state, with its first page of
// tasks, a few failed tasks' log ends when `show_tails`, and one page of
// failed tests.
void PrintVerdict(Cli& cli, const v1::Job& job, bool show_tails);
// "allure: uploaded URL | pending | failed: REASON" when the job's results
// go to an Allure server.
void PrintAllure(const v1::Job& job);

}  // namespace arena

#endif  // ARENA_CLI_JOB_REPORT_H_
