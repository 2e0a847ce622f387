#!/bin/sh
# Installs the Debian tools the test suite runs for real, when they are missing.
# Run by `npm test` (pretest). Needs root and the machine's own apt configuration.
set -eu

need=""
have() { command -v "$1" >/dev/null 2>&1; }
want() { have "$1" || need="$need $2"; }

want dpkg-deb dpkg
want dpkg-source dpkg-dev
want lintian lintian
want gpgv gpgv
want gpg gnupg
want sqv sqv
want debsig-verify debsig-verify
want mmdebstrap mmdebstrap
want xz xz-utils
want apt-ftparchive apt-utils
want reprepro reprepro
want conntrack conntrack
want conntrackd conntrackd
want keepalived keepalived
want nft nftables
want iptables iptables
want ip iproute2
want tc iproute2
want unshare util-linux
want flock util-linux
want ping iputils-ping
want curl curl
want gpgconf gnupg
want python3 python3
want zstd zstd
want sysctl procps
want ar binutils
want tcpdump tcpdump
want dh debhelper
want socat socat
want file file
# GNU time (peak RSS of a command); `command -v time` may name the shell's keyword instead
[ -x /usr/bin/time ] || need="$need time"
want piuparts piuparts

# python modules, checked with Debian's own python3 (PATH may hold another one)
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || need="$need python3-prometheus-client"

if [ -z "$need" ]; then
  echo "ensure-test-tools: all Debian tools present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-test-tools: missing:$need; run npm test as root or install them with apt-get" >&2
  exit 1
fi
echo "ensure-test-tools: installing:$need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# keepalived and conntrackd must not start services on the test machine itself.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.half-tests
chmod 0755 /usr/sbin/policy-rc.d.half-tests
restore=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  cp /usr/sbin/policy-rc.d.half-tests /usr/sbin/policy-rc.d
  restore=1
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $need
[ -n "$restore" ] && rm -f /usr/sbin/policy-rc.d
rm -f /usr/sbin/policy-rc.d.half-tests
