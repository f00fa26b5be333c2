#!/usr/bin/env bash
# Restore a backup made by backup.sh into a NEW database (never over an existing one), and its uploaded files into
# an empty media folder (or in place of a media folder's files, with --replace-media). The server and the credentials are those of DATABASE_URL; only the database name differs.
#
# Usage:
#   DATABASE_URL=postgres://user:password@host:5432/childprotect \
#     childprotect/deploy/restore.sh [options] DIRECTORY/childprotect-<db>-<stamp>.dump[.gpg] [NEW_DATABASE]
#
# Options:
#   --media-dir DIR          extract the media archive there (default: $CHILDPROTECT_VAR_DIR/media, else var/media
#                            here); it must be absent or empty, unless --replace-media
#   --replace-media          replace the files of a non-empty media folder by the backup's (the files now there, also
#                            those uploaded since the backup, are deleted once the backup's are in place)
#   --no-media               the database only
#   --passphrase-file FILE   the passphrase of .gpg backups (without it, gpg asks)
#
# NEW_DATABASE defaults to <db of DATABASE_URL>_restored_<YYYYmmdd_HHMMSS>. Before anything is touched, the checksums
# (.sha256 beside the dump, which must list every file used) are verified and each archive is read to its end. The
# database is restored in one transaction, the media extracted into a temporary folder beside the target, which is
# swapped into place only once the extraction completed (a folder being replaced is moved aside, the new one moved in,
# then the old one deleted); a restore that fails at any step drops the database it created and leaves the media
# folder as it was. Then point DATABASE_URL at the new database (or rename it) and restart the application. See
# childprotect/deploy/BACKUP.md.
set -euo pipefail
umask 077

# shellcheck source=childprotect/deploy/pgenv.sh
. "$(dirname "${BASH_SOURCE[0]}")/pgenv.sh"

usage() {
  sed -n '5,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

media_dir=$(default_media_dir)
with_media=1
replace_media=0
passphrase_file=""
dump=""
new_db=""
while [ $# -gt 0 ]; do
  case "$1" in
    --media-dir) [ $# -ge 2 ] || usage; media_dir=$2; shift 2 ;;
    --no-media) with_media=0; shift ;;
    --replace-media) replace_media=1; shift ;;
    --passphrase-file) [ $# -ge 2 ] || usage; passphrase_file=$2; shift 2 ;;
    -h | --help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *)
      if [ -z "$dump" ]; then dump=$1; elif [ -z "$new_db" ]; then new_db=$1; else usage; fi
      shift
      ;;
  esac
done
[ -n "$dump" ] || usage
[ -f "$dump" ] || die "no such backup file: $dump"
[ -z "$passphrase_file" ] || [ -r "$passphrase_file" ] || die "cannot read the passphrase file $passphrase_file"

pgenv_from_database_url
require_tools createdb dropdb gzip pg_restore psql sha256sum tar

folder=$(cd "$(dirname "$dump")" && pwd)
dump_name=$(basename "$dump")
encrypted=""
[[ $dump_name != *.gpg ]] || encrypted=.gpg
stem=${dump_name%.gpg}
[[ $stem == *.dump ]] || die "$dump_name: expected a .dump or .dump.gpg file made by backup.sh"
stem=${stem%.dump}
media_name="$stem-media.tar.gz$encrypted"
[ -z "$encrypted" ] || require_tools gpg

new_db=${new_db:-${PGDATABASE}_restored_$(date +%Y%m%d_%H%M%S)}
[[ $new_db =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || die "database name '$new_db': use letters, digits, _ and - only"
[ ${#new_db} -le 63 ] || die "database name '$new_db' is longer than 63 characters"

# Asked of the maintenance database, as createdb does: on a new server, DATABASE_URL's own database may not exist yet.
exists_sql="SELECT count(*) FROM pg_database WHERE datname = '$new_db'" # the name is checked above
exists=$(psql -X -tA --dbname=postgres -c "$exists_sql" 2>/dev/null || psql -X -tA --dbname=template1 -c "$exists_sql")
[ "$exists" = 0 ] || die "the database $new_db exists already: restore.sh only restores into a new database"

if [ "$with_media" = 1 ]; then
  [ -f "$folder/$media_name" ] || die "no media archive $folder/$media_name (use --no-media to restore the database only)"
  if [ "$replace_media" = 0 ] && [ -d "$media_dir" ] && [ -n "$(ls -A "$media_dir")" ]; then
    die "the media folder $media_dir is not empty: move it away, pass --media-dir with an empty folder, or pass" \
      "--replace-media to replace its files by the backup's"
  fi
  [ ! -e "$media_dir" ] || [ -d "$media_dir" ] || die "$media_dir is not a folder"
fi

# Nothing is touched until every file has been checked: the checksums (every file used must be listed), then each
# archive read to its end (a truncated or damaged file fails here, not half-way through the restore).
used=("$dump_name")
[ "$with_media" = 0 ] || used+=("$media_name")
if [ -f "$folder/$stem.sha256" ]; then
  echo "checking $stem.sha256"
  for name in "${used[@]}"; do
    awk -v name="$name" '$2 == name || $2 == "*" name { found = 1 } END { exit !found }' "$folder/$stem.sha256" ||
      die "$name is not listed in $stem.sha256: the backup is incomplete or was altered; nothing was changed"
  done
  (cd "$folder" && sha256sum --check --quiet --ignore-missing -- "$stem.sha256") ||
    die "checksum mismatch in $stem.sha256: the backup is damaged or was altered; nothing was changed"
else
  echo "warning: no $stem.sha256 beside the backup; the files are not verified" >&2
fi

work=$(mktemp -d)
created=0
media_parent=$(dirname "$media_dir")
made_parent=0
staged=""
aside_parent=""
cleanup() {
  local status=$?
  rm -rf "$work"
  gpg_home_stop
  if [ "$status" != 0 ]; then
    if [ -n "$aside_parent" ]; then
      if [ -d "$aside_parent/media" ] && [ ! -e "$media_dir" ]; then
        mv "$aside_parent/media" "$media_dir" # the swap failed half-way: the old folder goes back
      fi
      rmdir "$aside_parent" 2>/dev/null || true
    fi
    [ -z "$staged" ] || rm -rf "$staged"
    [ "$made_parent" = 0 ] || rmdir "$media_parent" 2>/dev/null || true
    if [ "$created" = 1 ]; then
      echo "restore failed: dropping the new database $new_db" >&2
      dropdb --if-exists "$new_db" || true
    fi
    echo "restore failed: the media folder $media_dir and every existing database are as they were" >&2
  fi
  exit "$status"
}
trap cleanup EXIT

decrypt() { # decrypt FILE.gpg OUTPUT
  local passphrase=()
  [ -z "$passphrase_file" ] || passphrase=(--pinentry-mode loopback --passphrase-file "$passphrase_file")
  gpg --batch --quiet "${passphrase[@]}" --decrypt --output "$2" "$1"
}

if [ -n "$encrypted" ]; then
  gpg_home_start
  decrypt "$folder/$dump_name" "$work/$stem.dump" || die "cannot decrypt $dump_name; nothing was changed"
  dump_file="$work/$stem.dump"
else
  dump_file="$folder/$dump_name"
fi
# --list reads the table of contents; --file=/dev/null reads every data block, as the restore will.
if ! pg_restore --list "$dump_file" >/dev/null || ! pg_restore --file=/dev/null "$dump_file"; then
  die "the database archive $dump_name is damaged or truncated (pg_restore cannot read it); nothing was changed"
fi

if [ "$with_media" = 1 ]; then
  if [ -n "$encrypted" ]; then
    decrypt "$folder/$media_name" "$work/$stem-media.tar.gz" || die "cannot decrypt $media_name; nothing was changed"
    media_file="$work/$stem-media.tar.gz"
  else
    media_file="$folder/$media_name"
  fi
  if ! gzip --test "$media_file" || ! tar --list --gzip --file="$media_file" >/dev/null; then
    die "the media archive $media_name is damaged or truncated; nothing was changed"
  fi
fi

echo "createdb $new_db"
createdb --template=template0 --encoding=UTF8 "$new_db"
created=1
echo "pg_restore $dump_name -> $new_db"
# One transaction: a restore that fails leaves the new database empty (and cleanup drops it).
pg_restore --no-owner --exit-on-error --single-transaction --dbname="$new_db" "$dump_file"

if [ "$with_media" = 1 ]; then
  # Extracted beside the target (the same file system), then renamed into place only once everything succeeded.
  if [ ! -d "$media_parent" ]; then
    mkdir -p "$media_parent"
    made_parent=1
  fi
  staged=$(mktemp -d "$media_parent/.restore-media-XXXXXX")
  echo "tar $media_name -> $staged"
  tar --extract --gzip --no-same-owner --file="$media_file" --directory="$staged" ||
    die "extracting $media_name failed (a full disk?)"
fi

tables=$(psql -X --dbname="$new_db" -tAc \
  "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
migrations=0
if [ "$(psql -X --dbname="$new_db" -tAc "SELECT to_regclass('public.django_migrations') IS NOT NULL")" = t ]; then
  migrations=$(psql -X --dbname="$new_db" -tAc "SELECT count(*) FROM public.django_migrations")
else
  echo "warning: $new_db has no django_migrations table: is this a childprotect backup?" >&2
fi
if [ "$with_media" = 1 ]; then
  # The swap: the folder there (if any) moved aside, the extracted one moved in (renames on one file system), then
  # the old one deleted. A failure between the two renames puts the old folder back (cleanup).
  if [ -d "$media_dir" ]; then
    chmod --reference="$media_dir" "$staged" # the folder keeps its permissions
    aside_parent=$(mktemp -d "$media_parent/.replaced-media-XXXXXX")
    mv "$media_dir" "$aside_parent/media"
  fi
  mv "$staged" "$media_dir"
  staged=""
  if [ -n "$aside_parent" ]; then
    echo "media folder $media_dir replaced: deleting the files it held before"
    rm -rf "$aside_parent"
    aside_parent=""
  fi
fi
created=2 # done: kept whatever happens next
echo "restored into database $new_db: $tables tables, $migrations migrations applied"
[ "$with_media" = 0 ] || echo "media files in $media_dir: $(find "$media_dir" -type f | wc -l)"
echo "next: point DATABASE_URL at $new_db (or rename it), restart the application, then check it (BACKUP.md)"
