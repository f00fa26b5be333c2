#!/usr/bin/env bash
# Back up childprotect into DIRECTORY: the PostgreSQL database (pg_dump, custom format) and the uploaded files
# (attachments, report PDFs: var/media, as a tar), as dated files with their SHA-256 checksums:
#
#   DIRECTORY/childprotect-<database>-<YYYYmmdd-HHMMSS>.dump            pg_restore reads it (restore.sh)
#   DIRECTORY/childprotect-<database>-<YYYYmmdd-HHMMSS>-media.tar.gz
#   DIRECTORY/childprotect-<database>-<YYYYmmdd-HHMMSS>.sha256
#
# Usage:
#   DATABASE_URL=postgres://user:password@host:5432/childprotect childprotect/deploy/backup.sh [options] DIRECTORY
#
# Options:
#   --media-dir DIR                 the uploaded files (default: $CHILDPROTECT_VAR_DIR/media, else var/media here)
#   --no-media                      the database only
#   --encrypt-passphrase-file FILE  encrypt both files with gpg --symmetric (AES256), keep only the .gpg files
#   --keep-days N                   then delete this database's backups in DIRECTORY older than N days
#
# The files hold children's personal data: they are written readable by their owner only (umask 077). The password
# of DATABASE_URL reaches pg_dump through PGPASSWORD, never its command line. See childprotect/deploy/BACKUP.md.
set -euo pipefail
umask 077

# shellcheck source=childprotect/deploy/pgenv.sh
. "$(dirname "${BASH_SOURCE[0]}")/pgenv.sh"

usage() {
  sed -n '9,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

media_dir=$(default_media_dir)
with_media=1
passphrase_file=""
keep_days=""
directory=""
while [ $# -gt 0 ]; do
  case "$1" in
    --media-dir) [ $# -ge 2 ] || usage; media_dir=$2; shift 2 ;;
    --no-media) with_media=0; shift ;;
    --encrypt-passphrase-file) [ $# -ge 2 ] || usage; passphrase_file=$2; shift 2 ;;
    --keep-days) [ $# -ge 2 ] || usage; keep_days=$2; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *) [ -z "$directory" ] || usage; directory=$1; shift ;;
  esac
done
[ -n "$directory" ] || usage
[ -z "$keep_days" ] || [[ $keep_days =~ ^[0-9]+$ ]] || die "--keep-days takes a number of days"
[ -z "$passphrase_file" ] || [ -r "$passphrase_file" ] || die "cannot read the passphrase file $passphrase_file"

pgenv_from_database_url
require_tools pg_dump pg_restore sha256sum tar
[ -z "$passphrase_file" ] || require_tools gpg

mkdir -p "$directory"
directory=$(cd "$directory" && pwd)
safe_name=${PGDATABASE//[^A-Za-z0-9_.-]/_}
base="childprotect-${safe_name}-$(date +%Y%m%d-%H%M%S)"
dump="$base.dump"
media="$base-media.tar.gz"
for file in "$dump" "$media" "$dump.gpg" "$media.gpg"; do
  [ ! -e "$directory/$file" ] || die "$directory/$file already exists"
done

work=$(mktemp -d "$directory/.backup-XXXXXX") # same file system: the finished files are moved in at once
trap 'rm -rf "$work"; gpg_home_stop' EXIT

echo "pg_dump $PGDATABASE -> $directory/$dump"
pg_dump --format=custom --no-owner --file="$work/$dump" "$PGDATABASE"
pg_restore --list "$work/$dump" >/dev/null # the archive reads back
files=("$dump")

if [ "$with_media" = 1 ]; then
  if [ -d "$media_dir" ]; then
    echo "tar $media_dir -> $directory/$media"
    tar --create --gzip --file="$work/$media" --directory="$media_dir" .
  else
    echo "warning: no media folder $media_dir; the media archive is empty" >&2
    tar --create --gzip --file="$work/$media" --files-from=/dev/null
  fi
  files+=("$media")
fi

if [ -n "$passphrase_file" ]; then
  gpg_home_start
  for index in "${!files[@]}"; do
    gpg --batch --quiet --yes --pinentry-mode loopback --passphrase-file "$passphrase_file" \
      --symmetric --cipher-algo AES256 --output "$work/${files[$index]}.gpg" "$work/${files[$index]}"
    rm -f "$work/${files[$index]}"
    files[index]="${files[$index]}.gpg"
  done
fi

(cd "$work" && sha256sum -- "${files[@]}" >"$base.sha256")
for file in "${files[@]}" "$base.sha256"; do
  mv "$work/$file" "$directory/$file"
done

if [ -n "$keep_days" ]; then
  echo "deleting backups of $PGDATABASE older than $keep_days days:"
  find "$directory" -maxdepth 1 -type f -name "childprotect-${safe_name}-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9]*" -mtime "+$keep_days" -print -delete
fi

echo "backup done:"
(cd "$directory" && ls -l -- "${files[@]}" "$base.sha256")
