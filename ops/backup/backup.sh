#!/bin/sh
# hop's logical backups: pg_dump of the whole database (custom format, compressed), checked by
# reading it back, kept as the newest BACKUP_KEEP files. Compose's `backup` service runs `loop` in
# the Postgres image (pg_dump of the server's own major version); tests/integration/backup.test.ts
# runs the very same file natively. Connection through libpq's variables: PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE. docs/backup.md has the procedures.
#   backup.sh once           one dump now, then prune; prints the file's path last
#   backup.sh loop           a dump every BACKUP_INTERVAL_SECONDS (default 86400), forever
#   backup.sh check          healthcheck: exit 0 when the newest dump is younger than 2 intervals
#   backup.sh restore FILE   restore FILE into PGDATABASE (which must exist and be empty)
# BACKUP_DIR (default /backups), BACKUP_KEEP (default 14). BACKUP_SNAPSHOT: dump exactly the
# snapshot another session exported with pg_export_snapshot() (a verification can then compare
# the source as of that snapshot with the restore, row for row).
set -eu

dir=${BACKUP_DIR:-/backups}
keep=${BACKUP_KEEP:-14}
interval=${BACKUP_INTERVAL_SECONDS:-86400}

log() { echo "backup: $(date -u +%Y-%m-%dT%H:%M:%SZ) $*"; }

once() {
  mkdir -p "$dir"
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  file="$dir/hop-$stamp.dump"
  partial="$dir/.hop-$stamp.dump.partial"
  started=$(date +%s)
  # One consistent snapshot; ACCESS SHARE locks only, so writes (and click batches) go on.
  # shellcheck disable=SC2086
  pg_dump --format=custom --compress=6 --no-owner --no-privileges \
    ${BACKUP_SNAPSHOT:+--snapshot=$BACKUP_SNAPSHOT} --file="$partial"
  # A dump that cannot be listed cannot be restored: never let it replace a good one.
  pg_restore --list "$partial" >/dev/null
  mv "$partial" "$file"
  log "wrote $file ($(wc -c <"$file" | tr -d ' ') bytes, $(($(date +%s) - started))s)"
  prune
  echo "$file"
}

prune() {
  # Names sort by time (UTC stamps); everything past the newest $keep goes.
  ls -1 "$dir"/hop-*.dump 2>/dev/null | sort -r | tail -n +"$((keep + 1))" | while read -r old; do
    rm -f "$old"
    log "removed $old (keeping $keep)"
  done
}

check() {
  newest=$(ls -1 "$dir"/hop-*.dump 2>/dev/null | sort -r | head -n 1)
  [ -n "$newest" ] || { echo "no backup in $dir yet"; exit 1; }
  age=$(($(date +%s) - $(date -r "$newest" +%s)))
  [ "$age" -le "$((interval * 2))" ] || { echo "newest backup $newest is ${age}s old"; exit 1; }
  echo "newest backup $newest is ${age}s old"
}

restore() {
  [ -s "${1:-}" ] || { echo "usage: backup.sh restore FILE (FILE must exist)"; exit 2; }
  # One transaction: a restore that fails halfway leaves the target database as it was.
  pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --dbname="${PGDATABASE:?set PGDATABASE}" "$1"
  log "restored $1 into $PGDATABASE"
}

case "${1:-loop}" in
  once) once ;;
  check) check ;;
  restore) restore "${2:-}" ;;
  loop)
    log "every ${interval}s into $dir, keeping $keep"
    while :; do
      once >/dev/null || log "dump FAILED; the previous dumps are kept"
      sleep "$interval"
    done
    ;;
  *) echo "usage: backup.sh once|loop|check|restore FILE"; exit 2 ;;
esac
