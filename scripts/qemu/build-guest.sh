#!/usr/bin/env bash
# Builds a tiny Linux guest from Debian packages: the cloud kernel and a busybox initramfs that mounts
# proc/sys/dev, loads the ACPI button, evdev, virtio network and virtio disk drivers of that same kernel, runs
# acpid so the ACPI power button powers the guest off, asks for an address with udhcpc, keeps a boot counter in
# the first sector of its first virtio disk when it has one, runs a shell on its screen (tty1) and one on its
# serial port (ttyS0) for the consoles, prints the files of a cloud-init seed CD-ROM (label cidata) on the serial
# console (and its meta-data to the second sector of the first virtio disk), and prints a marker line on the serial
# console when it is ready. OUTDIR
# gets vmlinuz and initrd.img (for direct kernel boot) and tiny-guest.iso, a CD-ROM that boots the same kernel and
# initramfs at once through ISOLINUX.
# Does nothing when OUTDIR already holds a complete guest of this format.
# Usage: scripts/qemu/build-guest.sh OUTDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
out="$1"
# Raised whenever what the guest does or what OUTDIR holds changes, so an older guest is built again.
format=6
# Written last, so an interrupted build is never taken for a complete one.
stamp="$out/guest.complete"
if [ -f "$stamp" ] && grep -qx "format $format" "$stamp" && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ] && [ -f "$out/tiny-guest.iso" ]; then
  echo "Guest present in $out ($(head -n 1 "$stamp"))"
  exit 0
fi
for tool in apt-get apt-cache dpkg-deb depmod modprobe cpio xorriso; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/qemu/install.sh" >&2; exit 1; }
done
isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
ldlinux=/usr/lib/syslinux/modules/bios/ldlinux.c32
for file in "$isolinux_bin" "$ldlinux"; do
  [ -f "$file" ] || { echo "$file is missing: run scripts/qemu/install.sh" >&2; exit 1; }
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
# ata_piix, sr_mod, isofs and nls_utf8 read a cloud-init seed on the IDE CD-ROM drive.
for module in button evdev virtio_pci virtio_net virtio_blk ata_piix sr_mod isofs nls_utf8; do
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
  # Debian's busybox looks for /etc/udhcpc/default.script unless told; its messages go to the console.
  udhcpc -b -q -i eth0 -t 5 -T 2 -s /usr/share/udhcpc/default.script >/dev/console 2>&1
fi
# The first sector of the first virtio disk holds "VCORE-COUNTER <n>": the guest prints n (0 on a blank disk) and
# writes n + 1 before it is ready, so a test can tell which disk state a boot started from.
if [ -b /dev/vda ]; then
  counter=0
  line="$(head -c 32 /dev/vda | tr -d '\000' | head -n 1)"
  case "$line" in
    "VCORE-COUNTER "[0-9]*) counter="${line#VCORE-COUNTER }" ;;
  esac
  echo "VCORE-DISK-COUNTER=$counter" > /dev/console
  printf 'VCORE-COUNTER %d\n' $((counter + 1)) | dd of=/dev/vda bs=512 count=1 conv=sync,notrunc,fsync 2>/dev/null
fi
# A cloud-init seed: this guest runs no cloud-init, it proves what reached it by printing each file of the seed's
# CD-ROM, line by line, on the serial console. The drives appear while the IDE ports are probed, so it looks for a
# while, in the background.
(
  mkdir -p /seed
  tries=0
  while [ $tries -lt 100 ]; do
    for dev in /dev/sr*; do
      [ -b "$dev" ] || continue
      mount -t iso9660 -o ro "$dev" /seed 2>/dev/null || continue
      if [ -f /seed/meta-data ]; then
        for file in meta-data network-config user-data; do
          [ -f "/seed/$file" ] && sed "s|^|VCORE-SEED $file: |" "/seed/$file" > /dev/console
        done
        # Its meta-data also goes to the second sector of the first virtio disk, where the rack server can read it.
        [ -b /dev/vda ] && dd if=/seed/meta-data of=/dev/vda bs=512 seek=1 count=1 conv=sync,notrunc,fsync 2>/dev/null
        # The volume label, from the primary volume descriptor (sector 16, offset 40).
        echo "VCORE-SEED-END label=$(dd if="$dev" bs=1 skip=32808 count=32 2>/dev/null | tr -d ' ')" > /dev/console
        exit 0
      fi
      umount /seed
    done
    tries=$((tries + 1))
    sleep 0.1
  done
) &
# A shell on the screen, for the console: what is typed there runs (and may write to the serial console or the disk).
printf '\nVirtualCore tiny guest. This shell reads what is typed on the console.\n' > /dev/tty1
(while :; do sh -i </dev/tty1 >/dev/tty1 2>&1; done) &
# And one on the serial port, for the serial console (its lines also reach the serial log).
(while :; do sh -i </dev/ttyS0 >/dev/ttyS0 2>&1; done) &
echo "VCORE-GUEST-READY kernel=$(uname -r)" > /dev/console
while :; do sleep 3600; done
SCRIPT
chmod 755 "$root/init"

mkdir -p "$out"
(cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initrd.img"
cp "$work/kernel/boot/vmlinuz-$version" "$work/vmlinuz"

# The CD-ROM: ISOLINUX boots the same kernel and initramfs at once (no prompt, no timeout), console on ttyS0.
iso="$work/iso"
mkdir -p "$iso/isolinux"
cp "$isolinux_bin" "$ldlinux" "$iso/isolinux/"
cp "$work/vmlinuz" "$work/initrd.img" "$iso/"
# SERIAL puts ISOLINUX's own banner on the serial console too, so a boot from the CD-ROM shows there.
cat > "$iso/isolinux/isolinux.cfg" <<'CFG'
SERIAL 0 115200
DEFAULT vcore
PROMPT 0
TIMEOUT 0
LABEL vcore
  KERNEL /vmlinuz
  APPEND initrd=/initrd.img console=ttyS0 quiet
CFG
# xorriso prints its banner even when quiet: its output is shown only when it fails.
xorriso -as mkisofs -quiet -o "$work/tiny-guest.iso" -V VCORE_GUEST -J -R \
  -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table "$iso" \
  > "$work/xorriso.log" 2>&1 || { cat "$work/xorriso.log" >&2; exit 1; }

rm -f "$stamp"
for file in initrd.img vmlinuz tiny-guest.iso; do
  cp "$work/$file" "$out/$file.new"
  chmod 644 "$out/$file.new"
  mv "$out/$file.new" "$out/$file"
done
printf 'kernel %s\nformat %s\n' "$version" "$format" > "$stamp"
echo "Guest built in $out (kernel $version, format $format)"
