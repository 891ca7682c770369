#!/bin/sh
# The long fuzzing run (docs/reliability.md) in rounds: ROUNDS runs of a 1/ROUNDS share of
# every target, in two processes (one per core), each adding to its own report in DIR.
# Usage: sh bench/fuzz_rounds.sh [ROUNDS] [DIR]      (from the repository, venv active)
set -eu
ROUNDS=${1:-20}
DIR=${2:-fuzz-reports}
mkdir -p "$DIR"
SHARE=$(python -c "from fractions import Fraction as F; print(F(1, $ROUNDS))")
round=1
while [ "$round" -le "$ROUNDS" ]; do
    start=$(date +%s)
    RULEENGINE_FUZZ=long RULEENGINE_FUZZ_SHARE=$SHARE RULEENGINE_FUZZ_REPORT="$DIR/a.json" \
        python -m pytest tests/test_fuzz.py -p no:cacheprovider -q -k "fact_files or batches" \
        > "$DIR/round-$round-a.log" 2>&1 &
    a=$!
    RULEENGINE_FUZZ=long RULEENGINE_FUZZ_SHARE=$SHARE RULEENGINE_FUZZ_REPORT="$DIR/b.json" \
        python -m pytest tests/test_fuzz.py -p no:cacheprovider -q -k "set_values or rule_texts" \
        > "$DIR/round-$round-b.log" 2>&1 &
    b=$!
    status=0
    wait $a || status=1
    wait $b || status=1
    echo "round $round of $ROUNDS: $(( $(date +%s) - start )) s, $( [ $status = 0 ] && echo passed || echo FAILED: see "$DIR"/round-$round-*.log )" | tee -a "$DIR/rounds.log"
    round=$((round + 1))
done
