#!/usr/bin/env bash
# Runs each fuzz target of tests/fuzz.rs (property tests on stable) for MINUTES minutes,
# batch after batch with fresh random seeds, in a release build; stops at the first failure
# (proptest prints the minimal failing input) and prints how many cases each target ran.
#   bash benches/fuzz.sh [MINUTES] [TARGET…]   (default 10 minutes, every target)
# Targets can run side by side, one script each: bash benches/fuzz.sh 10 any_answer_is_graded_without_panic &
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
shift || true
batch=2000
all=(
  markdown_renders_any_text_within_the_width
  request_and_predict_blocks_never_panic
  any_token_string_is_refused_never_accepted
  any_answer_is_graded_without_panic
  any_problem_file_is_checked_without_panic
  any_request_line_or_curl_is_read_or_refused
)
if [ "$#" -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi
cargo test --release --test fuzz --no-run -q
for t in "${targets[@]}"; do
  end=$(( $(date +%s) + minutes * 60 ))
  cases=0
  while [ "$(date +%s)" -lt "$end" ]; do
    PROPTEST_CASES=$batch cargo test --release -q --test fuzz -- --exact "$t" >/dev/null 2>"/tmp/fuzz-$t.log" || {
      echo "FAILED: $t after $cases cases; see /tmp/fuzz-$t.log"; cat /tmp/fuzz-$t.log; exit 1; }
    # The problem-file target runs an eighth of the batch (it writes files).
    if [ "$t" = any_problem_file_is_checked_without_panic ]; then
      cases=$((cases + batch / 8))
    else
      cases=$((cases + batch))
    fi
  done
  echo "$t: $cases cases in $minutes min, no failure"
done
