# shellcheck shell=bash
# Sourced by backup.sh and restore.sh. pgenv_from_database_url turns DATABASE_URL (the variable the application
# reads, postgres://user:password@host:port/name?sslmode=...) into libpq's variables PGHOST, PGPORT, PGUSER,
# PGPASSWORD, PGDATABASE (and PGSSLMODE...), so that every pg_* tool connects like the application and the password
# never appears on a command line (ps shows those to every user). Without DATABASE_URL, the PG* variables already
# set (or ~/.pgpass) are used as they are; PGDATABASE is then required.

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

urldecode() {
  local s=${1//\\/\\\\}
  printf '%b' "${s//%/\\x}"
}

pgenv_from_database_url() {
  local url=${DATABASE_URL:-}
  if [ -z "$url" ]; then
    [ -n "${PGDATABASE:-}" ] || die "DATABASE_URL is not set (postgres://user:password@host:5432/name)"
    return 0
  fi
  case "$url" in
    postgres://* | postgresql://* | pgsql://* | psql://* | postgis://*) ;;
    sqlite:*) die "DATABASE_URL is SQLite: these scripts are for PostgreSQL. Stop the application, then copy the .sqlite3 file and var/media." ;;
    *) die "DATABASE_URL is not a PostgreSQL URL (${url%%:*}:...)" ;;
  esac
  local rest=${url#*://} query="" authority path="" userinfo="" hostport host="" port=""
  if [[ $rest == *\?* ]]; then
    query=${rest#*\?}
    rest=${rest%%\?*}
  fi
  authority=${rest%%/*}
  [[ $rest != */* ]] || path=${rest#*/}
  if [[ $authority == *@* ]]; then
    userinfo=${authority%@*}
    hostport=${authority##*@}
  else
    hostport=$authority
  fi
  if [[ $hostport == \[* ]]; then # [::1]:5432
    host=${hostport%%]*}
    host=${host#[}
    port=${hostport#*]}
    port=${port#:}
  elif [[ $hostport == *:* ]]; then
    host=${hostport%%:*}
    port=${hostport#*:}
  else
    host=$hostport
  fi
  [ -n "$path" ] || die "DATABASE_URL names no database"
  PGDATABASE=$(urldecode "$path")
  export PGDATABASE
  if [ -n "$host" ]; then
    PGHOST=$(urldecode "$host")
    export PGHOST
  fi
  if [ -n "$port" ]; then
    [[ $port =~ ^[0-9]+$ ]] || die "DATABASE_URL: the port is not a number"
    export PGPORT=$port
  fi
  if [ -n "$userinfo" ]; then
    PGUSER=$(urldecode "${userinfo%%:*}")
    export PGUSER
    if [[ $userinfo == *:* ]]; then
      PGPASSWORD=$(urldecode "${userinfo#*:}")
      export PGPASSWORD
    fi
  fi
  local pair value
  local -a pairs=()
  [ -z "$query" ] || IFS='&' read -ra pairs <<<"$query"
  for pair in "${pairs[@]}"; do
    value=$(urldecode "${pair#*=}")
    case ${pair%%=*} in
      sslmode) export PGSSLMODE=$value ;;
      sslrootcert) export PGSSLROOTCERT=$value ;;
      sslcert) export PGSSLCERT=$value ;;
      sslkey) export PGSSLKEY=$value ;;
      connect_timeout) export PGCONNECT_TIMEOUT=$value ;;
      *) ;;
    esac
  done
}

# The folder of uploaded files (attachments, report PDFs): settings.MEDIA_ROOT = $CHILDPROTECT_VAR_DIR/media, var/
# of this checkout by default.
default_media_dir() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  echo "${CHILDPROTECT_VAR_DIR:-$here/var}/media"
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is missing (the pg_* tools: apt-get install postgresql-client)"
  done
}

# A throw-away GnuPG home for symmetric encryption: no key ring is needed and nothing is left in ~/.gnupg. It sits
# under /tmp, not beside the backups: gpg-agent's socket lives in it and Unix socket paths hold about 100 bytes.
own_gnupghome=""
gpg_home_start() {
  own_gnupghome=$(mktemp -d /tmp/childprotect-gpg.XXXXXX)
  export GNUPGHOME=$own_gnupghome
}
gpg_home_stop() {
  if [ -n "$own_gnupghome" ] && [ -d "$own_gnupghome" ]; then
    GNUPGHOME=$own_gnupghome gpgconf --kill gpg-agent >/dev/null 2>&1 || true
    rm -rf "$own_gnupghome"
  fi
}
