#!/bin/sh
# /init of the Rackpilot utility OS: PID 1 in the initramfs, run by dash (/bin/sh).
#
# It brings the machine to one state: disks visible, network up, dropbear answering on port 22
# for the agent's key (from the kernel command line), and a hello posted to the agent so it learns
# where to SSH. Every step prints a "rackpilot-utility: " line on the console, so a boot log alone
# says how far a machine got. PID 1 must never exit (the kernel panics), so every failure below is
# reported and survived, and the last loop keeps dropbear running.
#
# Kernel command line:
#   BOOTIF=01-aa-bb-cc-dd-ee-ff      the NIC that PXE-booted (iPXE/pxelinux convention)
#   rackpilot.agent=http://host:port the agent's boot server; the hello goes to <agent>/hello
#   rackpilot.ssh_key=<base64url>    one authorized_keys line, base64url so it survives the cmdline
#   rackpilot.udev=0                 skip udevd (lsblk then lacks SATA serials and WWNs; for tests)
#   rackpilot.probe=1                print "rackpilot-utility: probe-ok" and power off at once

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
umask 022

say() { echo "rackpilot-utility: $*"; }
uptime_s() { read -r up _ </proc/uptime && echo "${up}s"; }

mount -t proc -o nosuid,nodev,noexec proc /proc
mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mount -t devtmpfs -o nosuid,mode=0755 devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=0755 tmpfs /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
hostname rackpilot-utility
say "init started, image $(cat /etc/rackpilot/image-id), kernel $(uname -r) (up $(uptime_s))"

bootif='' agent='' ssh_key='' udev=1 probe=0
for word in $(cat /proc/cmdline); do
  case "$word" in
    BOOTIF=*) bootif=${word#BOOTIF=} ;;
    rackpilot.agent=*) agent=${word#rackpilot.agent=} ;;
    rackpilot.ssh_key=*) ssh_key=${word#rackpilot.ssh_key=} ;;
    rackpilot.udev=0) udev=0 ;;
    rackpilot.probe=1) probe=1 ;;
  esac
done

if [ "$probe" = 1 ]; then
  # The accelerator probe (accelerator.ts) only needs proof that the kernel reached userspace.
  say "probe-ok"
  poweroff -f
  while :; do sleep 60; done
fi

# BOOTIF is "01-" (the ARP hardware type, Ethernet) followed by the MAC with dashes.
bootif_mac=$(echo "${bootif#01-}" | tr 'A-F-' 'a-f:')
[ -n "$bootif" ] || say "no BOOTIF on the kernel command line: using the first NIC"

if [ "$udev" = 1 ]; then
  # Started before the drivers so the disks they find are named as they appear (NVMe namespaces
  # show up asynchronously after modprobe returns); udevd only imports disk identities here.
  say "starting udevd"
  mkdir -p /run/udev
  /usr/lib/systemd/systemd-udevd --daemon --resolve-names=never || say "udevd failed to start"
fi

say "loading kernel modules"
for module in $(cat /etc/rackpilot/modules); do
  modprobe "$module" 2>/dev/null || say "module $module not loaded (its hardware may be absent)"
done

if [ "$udev" = 1 ]; then
  udevadm trigger --type=subsystems --action=add
  udevadm trigger --type=devices --action=add
  udevadm settle --timeout=30 || say "udevadm settle timed out"
fi
say "disks: $(cd /sys/block && echo *) (up $(uptime_s))"

# The BMC this machine is behind, asked in-band over /dev/ipmi0 (KCS) as on a real server: the
# agent matches the hello to the asset it enrolled by this address when it does not know the
# machine's MACs yet. Best-effort: no IPMI device or no LAN address leaves it out of the hello.
bmc=''
waited=0
# ipmi_si registers the interface asynchronously once its probe of the KCS ports answers.
while [ ! -e /dev/ipmi0 ] && [ "$waited" -lt 10 ] && grep -q '^ipmi_si ' /proc/modules; do
  sleep 0.3
  waited=$((waited + 1))
done
if [ -e /dev/ipmi0 ]; then
  bmc=$(timeout 15 ipmitool -I open lan print 1 2>/dev/null | sed -n 's/^IP Address  *: \([0-9.]*\)$/\1/p' | head -n 1)
  [ "$bmc" = 0.0.0.0 ] && bmc=''
  if [ -n "$bmc" ]; then say "bmc: $bmc (in-band, channel 1)"; else say "bmc: /dev/ipmi0 gave no LAN address"; fi
else
  say "bmc: no /dev/ipmi0 (no in-band IPMI): the hello carries no BMC address"
fi

# The booted NIC by its MAC; the first non-loopback one when BOOTIF matches none (after 10 s).
nic=''
tries=0
while [ -z "$nic" ] && [ "$tries" -lt 20 ]; do
  for dir in /sys/class/net/*; do
    name=${dir##*/}
    [ "$name" = lo ] && continue
    if [ -z "$bootif_mac" ] || [ "$(cat "$dir/address")" = "$bootif_mac" ]; then
      nic=$name
      break
    fi
  done
  [ -n "$nic" ] || { sleep 0.5; tries=$((tries + 1)); }
done
if [ -z "$nic" ]; then
  for dir in /sys/class/net/*; do
    [ "${dir##*/}" != lo ] && nic=${dir##*/} && break
  done
  [ -n "$nic" ] && say "no NIC has BOOTIF's MAC $bootif_mac: using $nic"
fi

ip link set lo up
if [ -n "$nic" ]; then
  mac=$(cat "/sys/class/net/$nic/address")
  say "network: $nic ($mac), DHCP"
  ip link set "$nic" up
  # -b: keep trying in the background when no lease comes, so SSH still starts; udhcpc stays
  # running either way and renews the lease during long wipes.
  udhcpc -i "$nic" -s /etc/rackpilot/udhcpc.script -p /run/udhcpc.pid -t 5 -T 2 -A 3 -b
else
  mac=''
  say "no network interface found: SSH will be unreachable"
fi

mkdir -p /root/.ssh /etc/dropbear
chmod 700 /root /root/.ssh
if [ -n "$ssh_key" ]; then
  key=$(echo "$ssh_key" | tr '_-' '/+')
  case $((${#key} % 4)) in
    2) key="$key==" ;;
    3) key="$key=" ;;
  esac
  if echo "$key" | base64 -d >/root/.ssh/authorized_keys 2>/dev/null; then
    echo >>/root/.ssh/authorized_keys
    say "authorized key: $(cut -d' ' -f1,3 /root/.ssh/authorized_keys)"
  else
    say "rackpilot.ssh_key is not valid base64url: nobody can log in"
  fi
  chmod 600 /root/.ssh/authorized_keys
else
  say "no rackpilot.ssh_key on the kernel command line: nobody can log in"
fi

hostkey=/etc/dropbear/dropbear_ed25519_host_key
dropbearkey -t ed25519 -f "$hostkey" 2>/dev/null | grep -i fingerprint | sed 's/^/rackpilot-utility: host key /'

if [ -n "$agent" ] && [ -n "$nic" ]; then
  (
    attempt=0
    while :; do
      address=$(ip -4 -o addr show dev "$nic" scope global | sed -n 's/.* inet \([0-9.]*\)\/.*/\1/p' | head -n 1)
      if [ -n "$address" ]; then
        body="{\"mac\":\"$mac\",\"sshAddress\":\"$address:22\"${bmc:+,\"bmcAddress\":\"$bmc\"}}"
        # BusyBox 1.35's own `wget -T` crashes (SIGSEGV); `timeout` bounds a hung connection instead.
        if timeout 10 wget -q -O /dev/null --header 'Content-Type: application/json' --post-data "$body" "$agent/hello" 2>/dev/null; then
          say "hello accepted by $agent: $body"
          exit 0
        fi
        # Every 2 s, but said once a minute: an agent that is down must not flood the console.
        [ $((attempt % 30)) = 0 ] && say "hello to $agent/hello failed (attempt $((attempt + 1))); retrying every 2 s"
        attempt=$((attempt + 1))
      fi
      sleep 2
    done
  ) &
elif [ -z "$agent" ]; then
  say "no rackpilot.agent on the kernel command line: no hello"
fi

say "ssh: dropbear on port 22 (up $(uptime_s))"
while :; do
  # -s -g: no password logins at all; -j -k: no port forwarding; -F -E: foreground, log to the console.
  dropbear -F -E -s -g -j -k -p 22 -r "$hostkey" -P /run/dropbear.pid
  say "dropbear exited with $?; restarting in 1 s"
  sleep 1
done
