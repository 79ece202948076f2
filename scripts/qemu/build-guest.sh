#!/usr/bin/env bash
# Builds a tiny Linux guest from Debian packages: the cloud kernel and a busybox initramfs that mounts
# proc/sys/dev, loads the ACPI button, evdev and virtio network drivers of that same kernel, runs acpid so the
# ACPI power button powers the guest off, asks for an address with udhcpc, and prints a marker line on
# the serial console when it is ready. Does nothing when OUTDIR already holds a complete guest.
# Usage: scripts/qemu/build-guest.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out="$1"
# Written last, so an interrupted build is never taken for a complete one.
stamp="$out/guest.complete"
if [ -f "$stamp" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
  echo "Guest present in $out ($(cat "$stamp"))"
  exit 0
fi
for tool in apt-get apt-cache dpkg-deb depmod modprobe cpio; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/qemu/install.sh" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt drops privileges to _apt for downloads; a directory it can write to avoids the sandbox warning.
chmod 755 "$work"
mkdir -p "$work/debs" && chown _apt "$work/debs" 2>/dev/null || true

kernel_package="$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')"
[ -n "$kernel_package" ] || { echo "No cloud kernel package found; run apt-get update" >&2; exit 1; }
echo "Downloading $kernel_package and busybox-static"
(cd "$work/debs" && apt-get download -qq "$kernel_package" busybox-static)
dpkg-deb -x "$work"/debs/linux-image-*.deb "$work/kernel"
dpkg-deb -x "$work"/debs/busybox-static_*.deb "$work/busybox"
version="$(ls "$work/kernel/lib/modules")"
# The package's modules.dep is made by its postinst; make it here to resolve module dependencies.
depmod -b "$work/kernel" "$version"

root="$work/root"
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,run,tmp,usr/share/udhcpc,etc/acpi/PWRF,lib/modules}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done

# Modules in load order (dependencies first); the guest kernel refuses modules of another version.
: > "$root/lib/modules/load-order"
# busybox acpid reads the power button from /dev/input/event*, which needs evdev.
for module in button evdev virtio_pci virtio_net; do
  modprobe -d "$work/kernel" -S "$version" --show-depends "$module" | awk '$1 == "insmod" { print $2 }' |
  while read -r path; do
    name="$(basename "$path")"
    [ -f "$root/lib/modules/${name%.xz}" ] && continue
    case "$name" in
      *.xz) xz -dc "$path" > "$root/lib/modules/${name%.xz}" ;;
      *) cp "$path" "$root/lib/modules/$name" ;;
    esac
    echo "${name%.xz}" >> "$root/lib/modules/load-order"
  done
done

# busybox acpid runs /etc/acpi/<event group>/<action>; the power button's group is PWRF.
cat > "$root/etc/acpi/PWRF/00000080" <<'SCRIPT'
#!/bin/sh
echo "vcore-guest: power button, powering off" > /dev/console
poweroff -f
SCRIPT
chmod 755 "$root/etc/acpi/PWRF/00000080"

cat > "$root/usr/share/udhcpc/default.script" <<'SCRIPT'
#!/bin/sh
case "$1" in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    echo "vcore-guest: $interface has $ip" > /dev/console ;;
esac
SCRIPT
chmod 755 "$root/usr/share/udhcpc/default.script"

cat > "$root/init" <<'SCRIPT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in $(cat /lib/modules/load-order); do insmod "/lib/modules/$module"; done
acpid -l /dev/null
ip link set lo up
# Without a NIC there is nothing to configure; the guest is still ready for lifecycle tests.
if [ -e /sys/class/net/eth0 ]; then
  ip link set eth0 up
  udhcpc -b -q -i eth0 -t 5 -T 2 >/dev/null 2>&1
fi
echo "VCORE-GUEST-READY kernel=$(uname -r)" > /dev/console
while :; do sleep 3600; done
SCRIPT
chmod 755 "$root/init"

mkdir -p "$out"
(cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$out/initrd.img.new"
cp "$work/kernel/boot/vmlinuz-$version" "$out/vmlinuz.new"
mv "$out/initrd.img.new" "$out/initrd.img"
mv "$out/vmlinuz.new" "$out/vmlinuz"
chmod 644 "$out/initrd.img" "$out/vmlinuz"
echo "kernel $version" > "$stamp"
echo "Guest built in $out (kernel $version)"
