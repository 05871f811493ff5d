#!/usr/bin/env bash
# A local 3-master Redis Cluster from Debian's redis-server, for the queue tests on a cluster
# (.ci/run) and for trying REDIS_CLUSTER by hand.
#
#   scripts/redis-cluster.sh start <dir> [base-port]   # nodes on base-port .. base-port+2 (default 7100)
#   scripts/redis-cluster.sh stop  <dir> [base-port]
#   scripts/redis-cluster.sh state <dir> [base-port]
#
# start prints the REDIS_CLUSTER value (127.0.0.1:7100,127.0.0.1:7101,127.0.0.1:7102) and returns
# once `cluster info` says cluster_state:ok; it exits 3, having started nothing, when a port is
# taken. Data lives in <dir> (no persistence). stop ends only the nodes started from <dir> (their
# pid files), never another run's nodes on the same ports, and removes their files. state prints
# each node's cluster state and the state changes and failure reports in its log. The node timeout
# is long (15 s) so that a CPU-starved test machine sees no failover that no test asked for.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
base=${3:-7100}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "usage: $0 start|state|stop <dir> [base-port]" >&2
  exit 2
fi
ports=("$base" "$((base + 1))" "$((base + 2))")

case "$cmd" in
  start)
    mkdir -p "$dir"
    # Nothing is started when a node or bus port (port + 10000) is taken: exit 3, try another base.
    for p in "${ports[@]}"; do
      for q in "$p" "$((p + 10000))"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$q") 2>/dev/null; then
          echo "port $q is in use (another cluster? a node left running: $0 stop $dir $base)" >&2
          exit 3
        fi
      done
    done
    for p in "${ports[@]}"; do
      mkdir -p "$dir/$p"
      rm -f "$dir/$p/nodes.conf"
      redis-server --port "$p" --bind 127.0.0.1 --daemonize yes \
        --cluster-enabled yes --cluster-config-file "$dir/$p/nodes.conf" --cluster-node-timeout 15000 \
        --save "" --appendonly no --dir "$dir/$p" --logfile "$dir/$p/redis.log" --pidfile "$dir/$p/redis.pid"
    done
    for p in "${ports[@]}"; do
      for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
    done
    redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >"$dir/create.log"
    for _ in $(seq 1 100); do
      ok=0
      for p in "${ports[@]}"; do
        redis-cli -h 127.0.0.1 -p "$p" cluster info | grep -q '^cluster_state:ok' && ok=$((ok + 1))
      done
      [[ $ok -eq ${#ports[@]} ]] && break
      sleep 0.1
    done
    if [[ $ok -ne ${#ports[@]} ]]; then
      echo "cluster did not reach cluster_state:ok (see $dir/*/redis.log, $dir/create.log)" >&2
      exit 1
    fi
    (IFS=,; echo "${ports[*]/#/127.0.0.1:}")
    ;;
  state)
    for p in "${ports[@]}"; do
      echo "--- node $p: $(redis-cli -h 127.0.0.1 -p "$p" cluster info 2>&1 | grep '^cluster_state' || echo down)"
      grep -hE 'Cluster state changed|FAIL|Marking node' "$dir/$p/redis.log" 2>/dev/null | tail -20 || true
    done
    ;;
  stop)
    # Only the nodes this <dir> started (by their pid files): never a node another run started on
    # the same ports.
    for p in "${ports[@]}"; do
      pidfile="$dir/$p/redis.pid"
      [[ -f "$pidfile" ]] || continue
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -rf "${dir:?}/$p"
    done
    rm -f "$dir/create.log"
    rmdir "$dir" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start|state|stop <dir> [base-port]" >&2
    exit 2
    ;;
esac
