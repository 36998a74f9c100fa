#!/usr/bin/env bash
# make bench: every benchmark, figures into bench/RESULTS.md with the machine they ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
out=bench/out
mkdir -p "$out"
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || echo "wrk not installed: the Python load generator is used"; }

run() {  # name, command...
  local name=$1; shift
  echo "== $name"
  "$@" 2>&1 | tee "$out/$name.txt"
}

if [ "${1:-}" != "--results-only" ]; then  # --results-only: write RESULTS.md from bench/out again
run dataset $py bench/dataset.py
run queries $py bench/queries.py
run pages $py bench/pages.py --reuse
run booking $py bench/booking.py --reuse
run phone $py bench/phone.py --reuse
# Last of those on the dataset: it leaves cost-4 hashes, added meeting days and its spoedbericht.
run journey $py bench/journey.py --reuse
run digest $py bench/digest.py
fi

{
  echo "# Benchmark results"
  echo
  echo "Made by \`make bench\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -srm);" \
       "$(python3 --version); $( (psql --version 2>/dev/null || echo 'no psql') | head -1);" \
       "$(redis-server --version 2>/dev/null | awk '{print "Redis " $3}' || true)."
  echo "Load generator and web server share these cores, so the absolute figures are a floor."
  for name in dataset queries pages booking phone journey digest; do
    echo
    echo "## $name"
    echo
    echo '```'
    cat "$out/$name.txt"
    echo '```'
  done
  echo
  cat bench/measured-once.md
} > bench/RESULTS.md
echo "== written bench/RESULTS.md"
