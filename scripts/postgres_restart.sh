#!/bin/bash
# A real PostgreSQL restart (pg_ctlcluster, so as root) under two machines' workers (four workers,
# two host names) and an enqueuer that keeps enqueueing through it. Checks that every acknowledged
# job completed, which ran more than once, and that no two runs of a job overlapped.
# Needs a cluster of its own, so that nothing else loses its connections:
#   pg_createcluster 15 restarts --port 5433 && pg_ctlcluster 15 restarts start
#   su postgres -c "psql -p 5433 -c \"create role queuectl login password 'queuectl' createdb\""
# Usage: bash scripts/postgres_restart.sh
set -u
export PGPASSWORD=queuectl
psql -h 127.0.0.1 -p 5433 -U queuectl -d postgres -qc "drop database if exists qr" -c "create database qr"
export QUEUECTL_STORE=postgres://queuectl:queuectl@127.0.0.1:5433/qr
MAIN="$(cd "$(dirname "$0")/.." && pwd)/main.ts"
Q="deno run --quiet --no-prompt --allow-read --allow-write --allow-run --allow-env --allow-sys=hostname,uid $MAIN"
D=${DATA:-/tmp/queuectl-restart}; export DATA=$D; rm -rf $D; mkdir -p $D/a $D/b; chmod 700 $D/a $D/b
M=$D/marker; : > $M
cmd() { echo "echo \"\$QUEUECTL_JOB_ID start \$QUEUECTL_RUN \$(date +%s%N)\" >> $M; sleep $1; echo \"\$QUEUECTL_JOB_ID end \$QUEUECTL_RUN \$(date +%s%N)\" >> $M"; }
for i in $(seq 1 40); do $Q --home $D/a enqueue --id pre-$i -- "$(cmd 1.5)" >/dev/null; done
QUEUECTL_HOSTNAME=machine-a $Q --home $D/a worker start --count 2 >/dev/null
QUEUECTL_HOSTNAME=machine-b $Q --home $D/b worker start --count 2 >/dev/null
# An enqueuer that records what was acknowledged.
( for i in $(seq 1 60); do if $Q --home $D/a enqueue --id live-$i -- "$(cmd 0.2)" >/dev/null 2>>$D/enqueue.err; then echo live-$i >> $D/acked; fi; sleep 0.2; done ) &
EQ=$!
sleep 4
echo "restart at $(date +%T.%N)"; time pg_ctlcluster 15 restarts restart; echo "back at $(date +%T.%N)"
wait $EQ
$Q --home $D/a wait --timeout 120; echo "wait rc=$?"
$Q --home $D/a status
$Q --home $D/a worker stop >/dev/null
echo "acknowledged live enqueues: $(wc -l < $D/acked) of 60; refused: $(grep -c . $D/enqueue.err || true)"
cat $D/enqueue.err | sort | uniq -c | head -5
$Q --home $D/a list --json --limit 1000 > $D/jobs.json
deno eval '
const jobs = JSON.parse(Deno.readTextFileSync(Deno.env.get("DATA") + "/jobs.json"));
const byId = new Map(jobs.map((j) => [j.id, j]));
const acked = Deno.readTextFileSync(Deno.env.get("DATA") + "/acked").trim().split("\n");
const want = [...Array.from({ length: 40 }, (_, i) => `pre-${i + 1}`), ...acked];
const missing = want.filter((id) => !byId.has(id));
const notDone = want.filter((id) => byId.get(id)?.state !== "completed");
const runs = new Map();
for (const line of Deno.readTextFileSync(Deno.env.get("DATA") + "/marker").trim().split("\n")) {
  const [id, what, run, ns] = line.split(" ");
  const list = runs.get(id) ?? []; runs.set(id, list);
  if (what === "start") list.push({ run, start: BigInt(ns), end: null });
  else list.find((r) => r.run === run).end = BigInt(ns);
}
let overlaps = 0, rerun = 0;
for (const [id, list] of runs) {
  if (list.length > 1) rerun++;
  list.sort((x, y) => (x.start < y.start ? -1 : 1));
  for (let i = 1; i < list.length; i++) if (list[i - 1].end === null || list[i - 1].end > list[i].start) overlaps++;
}
const attempts = jobs.reduce((n, j) => n + j.attempts, 0);
console.log(JSON.stringify({ jobs: jobs.length, expected: want.length, missing: missing.length, notCompleted: notDone.length, jobsRunMoreThanOnce: rerun, overlaps, attempts }));
'
grep -h "lost the connection\|is back\|presumed\|killing\|joining\|store answers" $D/a/workers/*.log $D/b/workers/*.log | sed 's/^[^ ]* //' | sort | uniq -c
