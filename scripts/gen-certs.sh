#!/usr/bin/env bash
# Test certificates for the TLS clusters (tls 7300-7305, hostnames 7500-7505), made with openssl.
#
#   bash scripts/gen-certs.sh [--force]
#
# Writes into ${HIRCLUSTER_TMP:-/tmp/hircluster}/tls/:
#   ca.crt ca.key                    the CA the servers and the specs trust
#   server.crt server.key            every node of the tls cluster; SAN IP:127.0.0.1, IP:::1, DNS:localhost
#   server-name.crt server-name.key  every node of the hostnames cluster; SAN DNS:localhost only, so that
#                                    a client that checks the address it dialled instead of the name fails
#   client.crt client.key            a client certificate signed by ca.crt (mutual TLS)
#   untrusted-ca.crt untrusted-ca.key            a second CA nobody trusts (negative specs)
#   untrusted-client.crt untrusted-client.key    a client certificate signed by the untrusted CA
# Existing files are kept while they verify and stay valid for another day; --force remakes them. A missing
# or stale server-name.crt alone is made from the existing CA, so that running TLS nodes keep their trust.
set -euo pipefail

dir="${HIRCLUSTER_TMP:-/tmp/hircluster}/tls"
days=3650

if ! command -v openssl >/dev/null 2>&1; then
  echo "gen-certs.sh: openssl is missing; install it (Debian/Ubuntu: apt-get install openssl)" >&2
  exit 1
fi

files=(ca.crt ca.key server.crt server.key client.crt client.key
  untrusted-ca.crt untrusted-ca.key untrusted-client.crt untrusted-client.key)

certs_ok() {
  local f
  for f in "${files[@]}"; do [[ -s "$dir/$f" ]] || return 1; done
  openssl verify -CAfile "$dir/ca.crt" "$dir/server.crt" "$dir/client.crt" >/dev/null 2>&1 || return 1
  openssl verify -CAfile "$dir/untrusted-ca.crt" "$dir/untrusted-client.crt" >/dev/null 2>&1 || return 1
  for f in ca.crt server.crt client.crt untrusted-ca.crt untrusted-client.crt; do
    openssl x509 -checkend 86400 -noout -in "$dir/$f" >/dev/null 2>&1 || return 1
  done
}

name_cert_ok() {
  [[ -s "$dir/server-name.crt" && -s "$dir/server-name.key" ]] || return 1
  openssl verify -CAfile "$dir/ca.crt" "$dir/server-name.crt" >/dev/null 2>&1 || return 1
  openssl x509 -checkend 86400 -noout -in "$dir/server-name.crt" >/dev/null 2>&1
}

only_name=0
if [[ "${1:-}" != "--force" ]] && certs_ok; then
  if name_cert_ok; then
    echo "certificates: up to date in $dir"
    exit 0
  fi
  only_name=1
fi

mkdir -p "$dir"
work="$(mktemp -d "$dir/.gen.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# P-256 keys: generated instantly, supported by redis-server (OpenSSL 3) and Node alike.
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

new_ca() { # name subject
  new_key "$work/$1.key"
  openssl req -new -x509 -key "$work/$1.key" -out "$work/$1.crt" -days "$days" -subj "$2" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null
}

new_leaf() { # name subject ca extensions
  new_key "$work/$1.key"
  openssl req -new -key "$work/$1.key" -out "$work/$1.csr" -subj "$2" 2>/dev/null
  printf '%s\n' "$4" >"$work/$1.ext"
  openssl x509 -req -in "$work/$1.csr" -CA "$work/$3.crt" -CAkey "$work/$3.key" -CAcreateserial \
    -out "$work/$1.crt" -days "$days" -extfile "$work/$1.ext" 2>/dev/null
}

# The server certificates also serve as the client certificates of the cluster bus and of replication
# (tls-cluster, tls-replication), hence clientAuth next to serverAuth.
SERVER_USAGE="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth"

if ((only_name)); then
  cp "$dir/ca.crt" "$dir/ca.key" "$work/"
  new_leaf server-name '/O=hircluster/CN=localhost' ca "$SERVER_USAGE
subjectAltName=DNS:localhost"
  chmod 600 "$work/server-name.key"
  chmod 644 "$work/server-name.crt"
  mv -f "$work/server-name.crt" "$work/server-name.key" "$dir/"
  echo "certificates: server-name.crt written to $dir"
  exit 0
fi

files+=(server-name.crt server-name.key) # a full run writes it too
new_ca ca '/O=hircluster/CN=hircluster test CA'
new_ca untrusted-ca '/O=hircluster/CN=hircluster untrusted CA'
new_leaf server '/O=hircluster/CN=localhost' ca "$SERVER_USAGE
subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
new_leaf server-name '/O=hircluster/CN=localhost' ca "$SERVER_USAGE
subjectAltName=DNS:localhost"
new_leaf client '/O=hircluster/CN=hircluster client' ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
new_leaf untrusted-client '/O=hircluster/CN=hircluster untrusted client' untrusted-ca "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

for f in "${files[@]}"; do
  case "$f" in *.key) chmod 600 "$work/$f" ;; *) chmod 644 "$work/$f" ;; esac
  mv -f "$work/$f" "$dir/$f"
done
echo "certificates: written to $dir"
