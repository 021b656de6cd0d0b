#!/usr/bin/env python3
"""Runs one job of a GitHub Actions workflow's shell steps locally.

Expressions ${{ secrets.X }}, ${{ vars.X }}, ${{ runner.temp }} and
${{ github.X }} are filled from the environment (ARENA_WF_<SCOPE>_<NAME>);
`uses:` steps are skipped; GITHUB_ENV works as on a runner. Exits with the
first failing step's status, like the runner would.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*([a-z_]+)\.([A-Za-z_]+)\s*\}\}")


def expand(text, values):
    def lookup(match):
        key = f"ARENA_WF_{match.group(1).upper()}_{match.group(2).upper()}"
        if key not in values:
            sys.exit(f"run_workflow: no value for {match.group(0)} (set {key})")
        return values[key]
    return EXPRESSION.sub(lookup, str(text))


def main():
    path, job_name = sys.argv[1], sys.argv[2]
    with open(path) as f:
        workflow = yaml.safe_load(f)
    job = workflow["jobs"][job_name]
    values = dict(os.environ)
    env = dict(os.environ)
    for key, value in (job.get("env") or {}).items():
        env[key] = expand(value, values)
    github_env = tempfile.NamedTemporaryFile(delete=False)
    github_env.close()
    env["GITHUB_ENV"] = github_env.name
    for step in job["steps"]:
        if "run" not in step:
            continue
        if step.get("if") == "always()" or "if" not in step:
            script = expand(step["run"], values)
            print(f"::step {step.get('name', '')}", flush=True)
            rc = subprocess.run(["bash", "-e", "-c", script], env=env).returncode
            if rc != 0:
                sys.exit(rc)
            with open(github_env.name) as f:
                for line in f:
                    if "=" in line:
                        key, value = line.rstrip("\n").split("=", 1)
                        env[key] = value
    os.unlink(github_env.name)


if __name__ == "__main__":
    main()
