#!/usr/bin/env bash
# List speed at national scale, side by side with PostGraphile (issue 17). One command:
#
#   tests/benches/lists.sh                 # 1,000 10,000 100,000 offers on PostgreSQL + SQLite
#   tests/benches/lists.sh 1000 10000      # other sizes
#
# For each size it builds the dataset (the node's own migrations and demo data, the published
# demo offers copied up to N with one location each), starts the node (release build) and
# PostGraphile 4.14.1 (installed from npm into target/, never committed) on the same
# PostgreSQL database with the same indexes, runs the same wrk load against both and prints
# req/s, p50, p99 and the ratio. The node alone also answers the area filter and `coverage`
# of a gemeente, and on SQLite. Knobs: BENCH_PG_URL (an admin URL; default the CI server),
# BENCH_SECS (12), BENCH_CONNS (32), BENCH_THREADS (2), BENCH_GEMEENTE (GM0268),
# BENCH_COVERAGE_CONNS (2: coverage is an analyst's page, not a GP's list),
# BENCH_SQLITE (1: also run on SQLite), BENCH_BIN (a built wijkwijzer binary: skips the build),
# BENCH_PARTS (list,area,coverage,postgraphile: which loads to run; e.g. `coverage` alone
# measures the coverage of the gemeente without the list loads).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
pg_admin=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:55432/postgres}
secs=${BENCH_SECS:-12}
conns=${BENCH_CONNS:-32}
threads=${BENCH_THREADS:-2}
gemeente=${BENCH_GEMEENTE:-GM0268}
cov_conns=${BENCH_COVERAGE_CONNS:-2}
parts=",${BENCH_PARTS:-list,area,coverage,postgraphile},"
want() { [[ $parts == *",$1,"* ]]; }
work=$root/target/bench-lists
tools=$root/target/bench-tools
mkdir -p "$work" "$tools"
log() { echo "-- $*" >&2; }

# Tools: wrk and the sqlite3 shell from Debian, PostGraphile from npm (pinned).
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v psql >/dev/null || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if want postgraphile && [ ! -x "$tools/node_modules/.bin/postgraphile" ]; then
  log "installing postgraphile@4.14.1 (npm) into $tools"
  (cd "$tools" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent postgraphile@4.14.1)
fi
bin=${BENCH_BIN:-}
if [ -z "$bin" ]; then
  log "building the node (release)"
  cargo build --release --locked -p web -q
  bin=${CARGO_TARGET_DIR:-$root/target}/release/wijkwijzer
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() { # url
  for _ in $(seq 1 600); do curl -fs -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "not answering: $1" >&2; return 1
}

# The node's configuration for one database (the dataset is built before it serves, so the
# first-start seeding finds it): embedded search, no mail, no peers.
node_env() { # db_url data_dir port
  echo WIJK__DATABASE__URL="$1" WIJK__DATA_DIR="$2" WIJK__SERVER__BIND="127.0.0.1:$3" \
    WIJK__DATABASE__MAX_CONNECTIONS=16 \
    RUST_LOG=warn
}

# Copies the published demo offers (with their first location, life domains and target groups)
# until the database holds $2 offers. The column lists are read from the database, so the copy
# follows the schema as it grows.
grow() { # dialect(pg|sqlite) n
  local dialect=$1 n=$2 sql cols_o cols_l q
  if [ "$dialect" = pg ]; then
    q() { psql "$db" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
    cols() { q "select string_agg(column_name, ',' order by ordinal_position) from information_schema.columns where table_schema = current_schema() and table_name = '$1'"; }
    uuid="gen_random_uuid()::text"
    series="generate_series(1, k.k) g(g)"
  else
    q() { sqlite3 "$sqlite_file" "$1"; }
    cols() { sqlite3 "$sqlite_file" "select group_concat(name, ',') from pragma_table_info('$1')"; }
    uuid="lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)),2) || '-a' || substr(hex(randomblob(2)),2) || '-' || hex(randomblob(6)))"
    series="(with recursive s(g) as (select 1 union all select g + 1 from s where g < (select k from bench_k)) select g from s) g"
  fi
  cols_o=$(cols offers)
  cols_l=$(cols locations)
  # Source expressions: a new id and a numbered title for the copy, everything else as is.
  sel_o=$(echo "$cols_o" | tr ',' '\n' | sed -e 's/^id$/c.dst/' -e 's/^title$/o.title || '"' '"' || c.g/' \
    -e '/^c\./!{/^o\.title/!s/^/o./}' | paste -sd, -)
  sel_l=$(echo "$cols_l" | tr ',' '\n' | sed -e "s/^id\$/split_part_node || ':' || $uuid/" -e 's/^offer_id$/c.dst/' \
    -e '/^c\./!{/^split_part_node/!s/^/l./}' | paste -sd, -)
  # The copy's own title beside its location (the area lists' sort key).
  sel_l=${sel_l//l.offer_title/(select t.title from offers t where t.id = c.dst)}
  if [ "$dialect" = pg ]; then
    sel_l=${sel_l//split_part_node/split_part(c.dst, \':\', 1)}
    node_of="split_part(s.id, ':', 1)"
  else
    sel_l=${sel_l//split_part_node/substr(c.dst, 1, instr(c.dst, \':\') - 1)}
    node_of="substr(s.id, 1, instr(s.id, ':') - 1)"
  fi
  sql="
create table bench_src as select id from offers where is_public order by id;
create table bench_k as select (($n - (select count(*) from offers)) / (select count(*) from bench_src)) + 1 as k;
create table bench_copies as
  select s.id as src, $node_of || ':' || $uuid as dst, g.g as g
  from bench_src s, bench_k k, $series
  order by g.g, s.id limit max(0, $n - (select count(*) from offers));
insert into offers ($cols_o) select $sel_o from bench_copies c join offers o on o.id = c.src;
insert into locations ($cols_l) select $sel_l from bench_copies c
  join locations l on l.offer_id = c.src and l.position = 0;
insert into offer_life_domains (offer_id, life_domain)
  select c.dst, d.life_domain from bench_copies c join offer_life_domains d on d.offer_id = c.src;
insert into offer_target_groups (offer_id, target_group)
  select c.dst, t.target_group from bench_copies c join offer_target_groups t on t.offer_id = c.src;
drop table bench_copies; drop table bench_k; drop table bench_src;
"
  if [ "$dialect" = pg ]; then
    sql=${sql//max(0, /greatest(0, }
    # VACUUM as well: autovacuum leaves a serving database with its visibility map set, so
    # index-only scans skip the table; right after a bulk copy it is not yet.
    # PostGraphile names a table's type after it; `nodes` would collide with its Relay `Node`.
    psql "$db" -qAtX -v ON_ERROR_STOP=1 -c "begin; $sql commit;" -c "vacuum analyze" \
      -c "comment on table nodes is E'@name federationNode'"
  else
    sqlite3 "$sqlite_file" "begin; $sql commit; analyze;"
  fi
}

# wrk against a GraphQL endpoint with one POSTed query; prints "req/s p50_ms p99_ms".
load() { # url body_file [connections]
  local lua=$work/post.lua out c=${3:-$conns}
  cat >"$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$2"); wrk.body = f:read("*a"); f:close()
LUA
  out=$(wrk -t"$threads" -c"$c" -d"${secs}s" --latency -s "$lua" "$1")
  if echo "$out" | grep -q "Non-2xx\|Socket errors"; then echo "$out" >&2; fi
  echo "$out" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    END { printf "%.0f %.1f %.1f\n", rps, p50, p99 }'
}

# One request first: the answer must hold 20 nodes and no error, else the numbers mean nothing.
check() { # url body_file jq-ish marker
  local ans
  ans=$(curl -fs -H 'Content-Type: application/json' --data @"$2" "$1")
  if echo "$ans" | grep -q '"errors"'; then echo "error from $1: ${ans:0:400}" >&2; return 1; fi
  [ "$(echo "$ans" | grep -o "\"$3\"" | wc -l)" -ge 20 ] || { echo "fewer than 20 rows from $1: ${ans:0:400}" >&2; return 1; }
}

# One request first: the answer must hold no error and `marker`.
check_ok() { # url body_file marker
  local ans
  ans=$(curl -fs -H 'Content-Type: application/json' --data @"$2" "$1")
  if echo "$ans" | grep -q '"errors"' || ! echo "$ans" | grep -q "\"$3\""; then
    echo "no $3 or an error from $1: ${ans:0:400}" >&2; return 1
  fi
}

# Runs `load` when part $1 is wanted, else prints empty figures.
load_if() { # part url body_file [connections]
  local part=$1; shift
  if want "$part"; then load "$@"; else echo "- - -"; fi
}

body() { # file graphql
  python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$2" >"$1"
}
body "$work/node-list.json" '{ offers(first: 20) { edges { node { title organisation { name } locations { postcode city } } } } }'
body "$work/node-area.json" "{ offers(first: 20, filter: {areaCode: \"$gemeente\"}) { edges { node { title organisation { name } locations { postcode city } } } } }"
body "$work/node-coverage.json" "{ coverage(areaCode: \"$gemeente\") { totals { activeOffers buurtenWithoutOffer } rows { code activeOffers buurtenWithoutOffer } gaps { code } } }"
body "$work/pg-list.json" '{ allOffers(first: 20, orderBy: [TITLE_ASC, ID_ASC]) { nodes { title organisationByOrganisationId { name } locationsByOfferId { nodes { postcode city } } } } }'

rss_mib() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

start_node() { # db_url data_dir -> sets node_pid node_url
  local port; port=$(free_port)
  # shellcheck disable=SC2046
  env $(node_env "$1" "$2" "$port") "$bin" serve >"$2/node.log" 2>&1 &
  node_pid=$!; pids+=("$node_pid")
  node_url=http://127.0.0.1:$port
  wait_http "$node_url/ready"
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# A node serves as soon as it is ready, while its indexer still loads the search suggestions
# from every offer in the background (seconds at 100,000 offers). Suggestions come only once
# that load is done (none before), so one answered means the node is at rest and the loads
# measure lists, not the start: ask until one is.
settle() { # url
  body "$work/node-settle.json" '{ suggest(prefix: "herstel") { label } }'
  for _ in $(seq 1 60); do
    check_ok "$1" "$work/node-settle.json" label 2>/dev/null && return 0
  done
  check_ok "$1" "$work/node-settle.json" label
}

prepare() { # db_url data_dir: the node's schema, CBS areas and demo data, then the search index
  # shellcheck disable=SC2046
  env $(node_env "$1" "$2" 0) "$bin" migrate >/dev/null
  # shellcheck disable=SC2046
  env $(node_env "$1" "$2" 0) "$bin" seed >/dev/null
}

reindex() { # db_url data_dir
  # shellcheck disable=SC2046
  env $(node_env "$1" "$2" 0) "$bin" reindex >/dev/null
}

rows=()
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); wrk -t$threads -c$conns -d${secs}s" >&2
for n in "${sizes[@]}"; do
  dbname=wijk_bench_lists
  db=${pg_admin%/*}/$dbname
  psql "$pg_admin" -qAtX -c "drop database if exists $dbname" -c "create database $dbname"
  dir=$work/pg-$n; rm -rf "$dir"; mkdir -p "$dir"
  log "PostgreSQL: building $n offers"
  prepare "$db" "$dir"
  grow pg "$n"
  reindex "$db" "$dir"
  start_node "$db" "$dir"
  settle "$node_url/graphql"
  check "$node_url/graphql" "$work/node-list.json" title
  check "$node_url/graphql" "$work/node-area.json" title
  check_ok "$node_url/graphql" "$work/node-coverage.json" activeOffers
  read -r n_rps n_p50 n_p99 < <(load_if list "$node_url/graphql" "$work/node-list.json")
  read -r a_rps a_p50 a_p99 < <(load_if area "$node_url/graphql" "$work/node-area.json")
  read -r c_rps c_p50 c_p99 < <(load_if coverage "$node_url/graphql" "$work/node-coverage.json" "$cov_conns")
  rss=$(rss_mib "$node_pid")
  stop "$node_pid"
  p_rps=- p_p50=- p_p99=-
  if want postgraphile; then
    pg_port=$(free_port)
    "$tools/node_modules/.bin/postgraphile" -c "$db" --host 127.0.0.1 --port "$pg_port" \
      --disable-query-log --disable-graphiql >"$dir/postgraphile.log" 2>&1 &
    pg_pid=$!; pids+=("$pg_pid")
    for _ in $(seq 1 300); do curl -fs -o /dev/null -H 'Content-Type: application/json' \
      --data @"$work/pg-list.json" "http://127.0.0.1:$pg_port/graphql" && break; sleep 0.2; done
    check "http://127.0.0.1:$pg_port/graphql" "$work/pg-list.json" title
    read -r p_rps p_p50 p_p99 < <(load "http://127.0.0.1:$pg_port/graphql" "$work/pg-list.json")
    stop "$pg_pid"
  fi
  ratio=$(awk -v a="$n_rps" -v b="$p_rps" 'BEGIN { printf "%.2f", (b + 0 > 0 ? a / b : 0) }')
  rows+=("| $n | PostgreSQL | $n_rps | $n_p50 | $n_p99 | $p_rps | $p_p50 | $p_p99 | ${ratio}x | $a_rps / $a_p99 | $c_rps / $c_p99 | $rss |")
  if [ "${BENCH_SQLITE:-1}" = 1 ]; then
    dir=$work/sqlite-$n; rm -rf "$dir"; mkdir -p "$dir"
    sqlite_file=$dir/bench.db
    sdb="sqlite://$sqlite_file?mode=rwc"
    log "SQLite: building $n offers"
    prepare "$sdb" "$dir"
    grow sqlite "$n"
    reindex "$sdb" "$dir"
    start_node "$sdb" "$dir"
    settle "$node_url/graphql"
    check "$node_url/graphql" "$work/node-list.json" title
    check_ok "$node_url/graphql" "$work/node-coverage.json" activeOffers
    read -r s_rps s_p50 s_p99 < <(load_if list "$node_url/graphql" "$work/node-list.json")
    read -r sa_rps sa_p50 sa_p99 < <(load_if area "$node_url/graphql" "$work/node-area.json")
    read -r sc_rps sc_p50 sc_p99 < <(load_if coverage "$node_url/graphql" "$work/node-coverage.json" "$cov_conns")
    rss=$(rss_mib "$node_pid")
    stop "$node_pid"
    rows+=("| $n | SQLite | $s_rps | $s_p50 | $s_p99 | | | | | $sa_rps / $sa_p99 | $sc_rps / $sc_p99 | $rss |")
  fi
done
echo
echo "| offers | database | node list req/s | p50 ms | p99 ms | PostGraphile req/s | p50 ms | p99 ms | node / PostGraphile | node area filter req/s / p99 ms | node coverage (c=$cov_conns) req/s / p99 ms | node RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
