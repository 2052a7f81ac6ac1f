#!/usr/bin/env bash
# Builds qmp-sentinel_VERSION_all.deb with dpkg-deb (run by the packaging module's Maven build:
# ./mvnw -B -pl packaging -am package -DskipTests).
#   build-deb.sh VERSION EXEC_JAR OUT_DIR JAVA OUTPUT_TIMESTAMP
# Reproducible: every file's mtime is the build's outputTimestamp and owners are root:root, so the
# same sources give the same package.
set -euo pipefail
version=$1 jar=$2 out=$3 java=$4
SOURCE_DATE_EPOCH=$(date -u -d "$5" +%s)
export SOURCE_DATE_EPOCH
# The jar says what it is ("qmp-sentinel 1.0.0 (revision abc1234, Java 17...)"): this also checks
# that the jar about to be packaged starts.
described=$("$java" -jar "$jar" --version)
[[ $described == "qmp-sentinel $version "* ]] || {
  echo "build-deb.sh: $jar says \"$described\", expected version $version" >&2
  exit 1
}
revision=$(sed -E 's/.*revision ([^,]+),.*/\1/' <<<"$described")
repo="$(cd "$(dirname "$0")/.." && pwd)"
# Debian sorts ~ before anything: 1.1.0~SNAPSHOT < 1.1.0.
deb_version=${version/-SNAPSHOT/\~SNAPSHOT}

root="$out/deb-root"
rm -rf "$root"
doc="$root/usr/share/doc/qmp-sentinel"
install -D -m 0644 "$jar" "$root/usr/share/qmp-sentinel/qmp-sentinel.jar"
install -D -m 0755 "$repo/packaging/qmp-sentinel" "$root/usr/bin/qmp-sentinel"
# Debian 12 still ships units under /lib (dpkg's moratorium on moving files across the usrmerge).
install -D -m 0644 "$repo/deploy/systemd/qmp-sentinel.service" \
  "$root/lib/systemd/system/qmp-sentinel.service"
install -D -m 0644 "$repo/deploy/systemd/qmp-sentinel.tmpfiles" \
  "$root/usr/lib/tmpfiles.d/qmp-sentinel.conf"
install -D -m 0644 "$repo/deploy/systemd/application.yml" "$root/etc/qmp-sentinel/application.yml"
install -D -m 0644 "$repo/deploy/systemd/qmp-sentinel.env" "$root/etc/default/qmp-sentinel"
# Documentation keeps the repository's layout, so README's relative links work; uncompressed, so
# the unit's Documentation= file: links open.
install -D -m 0644 "$repo/README.md" "$doc/README.md"
install -D -m 0644 "$repo/packaging/debian/copyright" "$doc/copyright"
for f in "$repo"/docs/*.md; do install -D -m 0644 "$f" "$doc/docs/$(basename "$f")"; done
for d in prometheus grafana; do
  for f in "$repo/deploy/$d"/*; do install -D -m 0644 "$f" "$doc/deploy/$d/$(basename "$f")"; done
done
changelog=$(mktemp)
{
  echo "qmp-sentinel ($deb_version) unstable; urgency=medium"
  echo
  echo "  * Built from git revision $revision."
  echo
  echo " -- qmp-sentinel maintainers <maintainers@qmp-sentinel.invalid>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} >"$changelog"
gzip -9n <"$changelog" >"$doc/changelog.Debian.gz"
chmod 0644 "$doc/changelog.Debian.gz"
rm -f "$changelog"

mkdir -p "$root/DEBIAN"
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$deb_version/" -e "s/@INSTALLED_SIZE@/$installed_kb/" \
  "$repo/packaging/debian/control" >"$root/DEBIAN/control"
install -m 0644 "$repo/packaging/debian/conffiles" "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$repo/packaging/debian/$s" "$root/DEBIAN/$s"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -printf '%P\0' |
  LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

deb="$out/qmp-sentinel_${deb_version}_all.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "built $deb ($(stat -c %s "$deb") bytes)"
