#!/bin/sh
# Installs nth in host mode: the executable, the hardened systemd unit, the
# settings file and (optionally) the kubeconfig. Works from the release tarball
# (bin/, systemd/ beside this script) or from a source tree (packaging/).
#
#   sudo ./install.sh [--kubeconfig FILE] [--binary FILE] [--flavour bun|node] [--no-start]
#   sudo ./install.sh --uninstall [--purge]
#   ./install.sh --root DIR ...      install under DIR (packaging, tests); never starts anything
#
# Files: /usr/local/bin/nth, /etc/systemd/system/nth.service,
#        /etc/nth/nth.env (kept if present), /etc/nth/kubeconfig (0600).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=/
binary=
kubeconfig=
flavour=
start=1
action=install
purge=0

die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case $1 in
		--root) root=${2:?--root needs a directory}; start=0; shift 2 ;;
		--binary) binary=${2:?--binary needs a file}; shift 2 ;;
		--kubeconfig) kubeconfig=${2:?--kubeconfig needs a file}; shift 2 ;;
		--flavour) flavour=${2:?--flavour needs bun or node}; shift 2 ;;
		--no-start) start=0; shift ;;
		--uninstall) action=uninstall; shift ;;
		--purge) purge=1; shift ;;
		-h|--help) sed -n '2,13p' "$0"; exit 0 ;;
		*) die "Cannot install: unknown option \"$1\"" ;;
	esac
done
root=${root%/}
bindir=$root/usr/local/bin
unitdir=$root/etc/systemd/system
confdir=$root/etc/nth
docdir=$root/usr/local/share/doc/nth

if [ "$action" = uninstall ]; then
	if [ -z "$root" ] && command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now nth.service 2>/dev/null || true
	fi
	rm -f "$bindir/nth" "$unitdir/nth.service"
	rm -rf "$docdir"
	[ "$purge" = 1 ] && rm -rf "$confdir"
	[ -z "$root" ] && command -v systemctl >/dev/null 2>&1 && systemctl daemon-reload
	echo "nth uninstalled"
	exit 0
fi

case $(uname -m) in
	x86_64|amd64) arch=x64 ;;
	aarch64|arm64) arch=arm64 ;;
	*) die "Cannot install: no nth executable for $(uname -m)" ;;
esac

# The executable: --binary, else the release's bin/ (default flavour from bin/DEFAULT_FLAVOUR), else a source build.
if [ -z "$binary" ]; then
	[ -n "$flavour" ] || flavour=$(cat "$here/bin/DEFAULT_FLAVOUR" 2>/dev/null || echo bun)
	for candidate in "$here/bin/nth-$flavour-linux-$arch" "$here/../dist/nth-$flavour-linux-$arch"; do
		if [ -f "$candidate" ]; then binary=$candidate; break; fi
	done
	[ -n "$binary" ] || die "Cannot install: no nth-$flavour-linux-$arch beside this script (use --binary FILE)"
fi
[ -f "$binary" ] || die "Cannot install: \"$binary\" does not exist"

unit=
for candidate in "$here/systemd/nth.service" "$here/packaging/systemd/nth.service"; do
	if [ -f "$candidate" ]; then unit=$candidate; break; fi
done
[ -n "$unit" ] || die "Cannot install: systemd/nth.service is not beside this script"
unitsrc=$(dirname "$unit")

# The executable must run here before anything is replaced.
"$binary" --version >/dev/null 2>&1 || die "Cannot install: \"$binary --version\" fails on this host (glibc >= 2.28 needed)"

install -d -m 0755 "$bindir" "$unitdir" "$docdir"
install -d -m 0700 "$confdir"
install -m 0755 "$binary" "$bindir/nth.new" && mv -f "$bindir/nth.new" "$bindir/nth"
install -m 0644 "$unit" "$unitdir/nth.service"
if [ -f "$confdir/nth.env" ]; then
	echo "keeping $confdir/nth.env"
else
	install -m 0600 "$unitsrc/nth.env" "$confdir/nth.env"
fi
if [ -n "$kubeconfig" ]; then
	[ -f "$kubeconfig" ] || die "Cannot install: kubeconfig \"$kubeconfig\" does not exist"
	install -m 0600 "$kubeconfig" "$confdir/kubeconfig"
fi
for doc in "$here/INSTALL.md" "$here/air-gapped.md"; do
	if [ -f "$doc" ]; then install -m 0644 "$doc" "$docdir/INSTALL.md"; break; fi
done
echo "installed $("$bindir/nth" --version)"

# Verification needs the system's own units (sysinit.target…): a bare --root has none.
if command -v systemd-analyze >/dev/null 2>&1 && { [ -z "$root" ] || [ -d "$root/usr/lib/systemd/system" ]; }; then
	systemd-analyze verify --root="${root:-/}" /etc/systemd/system/nth.service \
		|| die "Cannot install: systemd-analyze rejects the unit"
fi
[ -f "$confdir/kubeconfig" ] || echo "note: put a kubeconfig at $confdir/kubeconfig (0600) before starting nth"

if [ "$start" = 1 ] && [ -z "$root" ]; then
	systemctl daemon-reload
	if [ -f "$confdir/kubeconfig" ]; then
		systemctl enable --now nth.service
		systemctl --no-pager status nth.service || true
	else
		systemctl enable nth.service
	fi
fi
