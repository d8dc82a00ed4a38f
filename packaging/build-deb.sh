#!/usr/bin/env bash
# Builds the leakwatch Debian package with dpkg-deb (no other tool):
#   packaging/build-deb.sh [VERSION] [OUTDIR]      -> OUTDIR/leakwatch_VERSION_ARCH.deb
# VERSION defaults to git describe (without a leading v), OUTDIR to dist/.
# The binary is built with the version stamped, the man pages and shell
# completions are generated from the binary's own commands, and the unit is
# the repository's, pointed at /usr/bin/watcher.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-$(git describe --tags --always --dirty 2>/dev/null || echo 0.0.0)}"
version="${version#v}"
case "$version" in [0-9]*) ;; *) version="0.0.0+$version" ;; esac # Debian versions start with a digit
out="${2:-dist}"
arch="$(go env GOARCH)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"
doc="$root/usr/share/doc/leakwatch"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/usr/lib/sysusers.d" \
  "$root/usr/share/man/man1" "$doc/monitoring" "$doc/examples" "$root/etc/watcher" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
  "$root/usr/share/fish/vendor_completions.d"
install -d -m 0700 "$root/etc/watcher/credentials"

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X leakwatch/internal/buildinfo.version=$version" -o "$root/usr/bin/watcher" ./cmd/watcher
bin="$root/usr/bin/watcher"
"$bin" man "$root/usr/share/man/man1" >/dev/null
gzip -9n "$root"/usr/share/man/man1/*.1
"$bin" completion bash >"$root/usr/share/bash-completion/completions/watcher"
"$bin" completion zsh >"$root/usr/share/zsh/vendor-completions/_watcher"
"$bin" completion fish >"$root/usr/share/fish/vendor_completions.d/watcher.fish"

# The unit: the repository's, with the packaged binary and the Tor cookie's group.
sed -e 's#/usr/local/bin/watcher#/usr/bin/watcher#' \
    -e 's#^Group=watcher$#Group=watcher\nSupplementaryGroups=debian-tor#' \
    systemd/watcher.service >"$root/lib/systemd/system/watcher.service"
install -m 0644 systemd/watcher.service.d/no-egress.conf "$doc/examples/no-egress.conf"
install -m 0644 packaging/debian/sysusers.conf "$root/usr/lib/sysusers.d/leakwatch.conf"

install -m 0644 README.md config.example.yaml "$doc/"
install -m 0644 monitoring/alerts.yml monitoring/alerts_test.yml monitoring/grafana-dashboard.json "$doc/monitoring/"
install -m 0644 LICENSE "$doc/copyright"
gzip -9nc CHANGELOG.md >"$doc/changelog.gz"

size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" packaging/debian/control >"$root/DEBIAN/control"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mkdir -p "$out"
deb="$out/leakwatch_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
