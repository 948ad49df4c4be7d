#!/usr/bin/env bash
# Checks the TLS of an SMTP binding with openssl s_client: which TLS versions it
# accepts, which weak cipher suites it refuses, and the certificate it presents.
#
#   docs/tls-check.sh HOST PORT starttls|implicit
#   docs/tls-check.sh 127.0.0.1 25 starttls
#   docs/tls-check.sh 127.0.0.1 465 implicit
set -u
if [ $# -ne 3 ] || { [ "$3" != starttls ] && [ "$3" != implicit ]; }; then
  echo "usage: $0 HOST PORT starttls|implicit" >&2
  exit 2
fi
host=$1 port=$2 mode=$3
connect=(-connect "$host:$port")
[ "$mode" = starttls ] && connect+=(-starttls smtp)

# s_client with the given options; prints "accepted (cipher)" or "refused"
try() {
  local out
  out=$(timeout 20 openssl s_client "${connect[@]}" "$@" </dev/null 2>&1)
  if grep -q 'Cipher is (NONE)' <<<"$out" || ! grep -q 'Cipher is ' <<<"$out"; then
    echo "refused"
  else
    echo "accepted ($(grep -o 'Cipher is [^ ]*' <<<"$out" | head -1 | cut -d' ' -f3))"
  fi
}

echo "TLS versions (SECLEVEL=0 so that openssl itself offers the old ones):"
for version in tls1 tls1_1 tls1_2 tls1_3; do
  printf '  %-8s %s\n' "$version" "$(try "-$version" -cipher 'DEFAULT@SECLEVEL=0')"
done

echo "Weak TLS 1.2 cipher suites (each should be refused):"
for suite in AES128-GCM-SHA256 AES256-SHA ECDHE-RSA-AES128-SHA ECDHE-ECDSA-AES128-SHA DES-CBC3-SHA; do
  printf '  %-24s %s\n' "$suite" "$(try -tls1_2 -cipher "$suite@SECLEVEL=0")"
done

echo "Certificate presented:"
timeout 20 openssl s_client "${connect[@]}" </dev/null 2>/dev/null |
  openssl x509 -noout -subject -issuer -enddate -fingerprint -sha256 | sed 's/^/  /'
