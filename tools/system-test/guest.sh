#!/bin/sh
# The guest side of `make check-system` (tools/check-system.sh): run as root
# by varmon-test.service of the image, from the test disk, output on the
# serial console. The first boot installs the packages as an administrator
# would and powers off; the second boot checks what a booted system does
# with them, then upgrades the kernel, removes and purges. Prints TAP.
set -u

disk=$(cd "$(dirname "$0")" && pwd)
# check() sends a test's output to a file; timings go to the console.
exec 3>&1
state=/var/lib/varmon-test
mkdir -p "$state"
export DEBIAN_FRONTEND=noninteractive
pkgs="variable-monitor variable-monitor-dkms libvariable-monitor-dev"
unit=variable-monitor-follow.service

n=0
failed=$(cat "$state/failed" 2>/dev/null || echo 0)

ok() {
	n=$((n + 1))
	echo "ok $n $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n $*"
}

# check NAME COMMAND...: one test; on failure, the tail of its output.
check() {
	name=$1
	shift
	if "$@" >"$state/out" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		tail -n 25 "$state/out" | sed 's/^/# /'
	fi
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds (a hang detector;
# by the clock, as one try may itself take seconds under TCG).
wait_for() {
	deadline=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 2
	done
}

timed() {
	start=$(date +%s)
	"$@"
	rc=$?
	echo "# $* took $(($(date +%s) - start)) s" >&3
	return $rc
}

poweroff_now() {
	echo "$failed" >"$state/failed"
	sync
	systemctl poweroff
	exit 0
}

finish() {
	echo "VARMON-TAINTED: $(cat /proc/sys/kernel/tainted)"
	echo "VARMON-EXIT: $failed"
	poweroff_now
}

as_alice() {
	runuser -l alice -c "$1"
}

# ---- boot 1: install --------------------------------------------------

if [ ! -f "$state/installed" ]; then
	echo "1..5"
	echo "# boot 1 on $(uname -r): install"
	# No network: every dependency is in the image.
	installed() {
		timed apt-get install -y "$disk"/debs/variable-monitor_*.deb \
			"$disk"/debs/variable-monitor-dkms_*.deb \
			"$disk"/debs/libvariable-monitor-dev_*.deb
	}
	check "apt install ./*.deb installs the three packages" installed
	dkms_built() {
		dkms status variable_monitor | grep "$(uname -r).*installed" &&
			[ "$(modinfo -F vermagic variable_monitor | cut -d ' ' -f 1)" = "$(uname -r)" ]
	}
	check "DKMS built and installed the module for the running kernel $(uname -r)" dkms_built
	check "postinst created the system group varmon" \
		sh -c 'getent group varmon && [ "$(getent group varmon | cut -d : -f 3)" -lt 1000 ]'
	check "the udev rules, unit, pkg-config file and man pages are installed" \
		ls /lib/udev/rules.d/60-variable_monitor.rules \
		/lib/udev/rules.d/61-variable_monitor-tunables.rules \
		/lib/systemd/system/$unit /usr/share/pkgconfig/variable-monitor.pc \
		/usr/share/man/man8/ucli.8.gz /usr/share/man/man3/start_watch.3.gz \
		/etc/modprobe.d/variable_monitor.conf
	# What the administrator does: load at boot, a tunable, a user.
	configured() {
		cp /usr/share/doc/variable-monitor/examples/modules-load.d/variable_monitor.conf \
			/etc/modules-load.d/ &&
			echo dump_reset_sec=1 >>/etc/variable_monitor/tunables.conf &&
			useradd -m -s /bin/sh -G varmon alice &&
			install -m 0644 "$disk/app.c" /home/alice/app.c
	}
	check "modules-load.d example, a tunable and a user in varmon set up" configured
	touch "$state/installed"
	echo "VARMON-PHASE: installed"
	poweroff_now
fi

# ---- boot 2: a booted system -------------------------------------------

echo "1..16"
echo "# boot 2 on $(uname -r)"
check "systemd-modules-load loaded variable_monitor at boot" \
	grep -q '^variable_monitor ' /proc/modules
check "/dev/variable_monitor is root:varmon 0660" \
	sh -c 'stat -c "%U:%G %a" /dev/variable_monitor; [ "$(stat -c "%U:%G %a" /dev/variable_monitor)" = "root:varmon 660" ]'
check "tunables.conf was applied at load (dump_reset_sec is 1)" \
	sh -c 'cat /proc/variable_monitor/dump_reset_sec; [ "$(cat /proc/variable_monitor/dump_reset_sec)" = 1 ]'
check "$unit started with the device" wait_for 60 systemctl is-active -q $unit
# Its only capability is CAP_SYS_PTRACE (bit 19), as a non-root user.
hardened() {
	pid=$(systemctl show -P MainPID $unit)
	grep -E '^(Uid|Groups|CapEff|CapBnd|NoNewPrivs)' "/proc/$pid/status"
	grep -q '^CapEff:[[:space:]]*0000000000080000$' "/proc/$pid/status" &&
		grep -q '^CapBnd:[[:space:]]*0000000000080000$' "/proc/$pid/status" &&
		grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$pid/status" &&
		! grep -q '^Uid:[[:space:]]*0[[:space:]]' "/proc/$pid/status" &&
		grep -q "^Groups:.*[[:space:]]$(getent group varmon | cut -d : -f 3)\\b" "/proc/$pid/status"
}
check "the collector runs unprivileged: a dynamic user in varmon, CAP_SYS_PTRACE only" hardened

# A user's own dump, with the collector stopped (it would drain it first).
systemctl stop $unit
check "alice builds an app with pkg-config --cflags variable-monitor" \
	as_alice 'cc -O1 -o app app.c $(pkg-config --cflags variable-monitor) && pkg-config --modversion variable-monitor'
own_dump() {
	as_alice './app systest1' && as_alice 'ucli dump --format json >dump1.json' &&
		jq -e -s 'map(select(.type == "dump")) | .[0].header.triggers[0].name == "systest1"' \
			/home/alice/dump1.json
}
check "alice trips a watch and reads her own dump with ucli" own_dump

# The collector records the next one in the journal.
systemctl start $unit
wait_for 30 systemctl is-active -q $unit
app_pid=$(as_alice './app systest2' | head -n 1)
entry() {
	journalctl -o json --all VARMON_WATCH=systest2 >"$state/entry.json" &&
		[ -s "$state/entry.json" ]
}
check "the collector records the dump in the journal" wait_for 300 entry
fields() {
	head -n 1 "$state/entry.json" | jq -e --arg pid "$app_pid" '
		.VARMON_PID == $pid and .VARMON_VALUE == "151" and
		.VARMON_THRESHOLD == "150" and .VARMON_COND == "gt" and
		(.VARMON_TASKS | tonumber) >= 1 and .VARMON_COMM == "app" and
		.SYSLOG_IDENTIFIER == "variable_monitor" and
		(.MESSAGE | test("systest2")) and
		(.VARMON_JSON | fromjson | .header.triggers[0].name == "systest2")'
	echo "# MESSAGE: $(head -n 1 "$state/entry.json" | jq -r .MESSAGE)"
}
check "journalctl -o json shows VARMON_PID, VALUE, COND, TASKS, MESSAGE and the JSON report" fields

# systemd's own shipping: journal-upload to journal-remote on loopback.
remote_setup() {
	mkdir -p /etc/systemd/system/systemd-journal-remote.socket.d \
		/etc/systemd/system/systemd-journal-remote.service.d &&
		printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:19532\n' \
			>/etc/systemd/system/systemd-journal-remote.socket.d/loopback.conf &&
		printf '[Service]\nExecStart=\nExecStart=/lib/systemd/systemd-journal-remote --listen-http=-3 --output=/var/log/journal/remote/\n' \
			>/etc/systemd/system/systemd-journal-remote.service.d/http.conf &&
		printf '[Upload]\nURL=http://127.0.0.1:19532\n' >/etc/systemd/journal-upload.conf &&
		install -d -m 0755 /var/log/journal/remote &&
		{ ! getent passwd systemd-journal-remote >/dev/null ||
			chown systemd-journal-remote: /var/log/journal/remote; } &&
		systemctl daemon-reload &&
		systemctl restart systemd-journal-remote.socket &&
		systemctl restart systemd-journal-upload.service
}
remote_entry() {
	journalctl -D /var/log/journal/remote -o json --all VARMON_WATCH=systest2 2>/dev/null |
		jq -e -s 'length >= 1 and (.[0].VARMON_JSON | fromjson | .header.triggers[0].name == "systest2")' \
			>/dev/null
}
remote() {
	# The uploader starts from the first entry of the journal.
	remote_setup || return 1
	wait_for 600 remote_entry && return 0
	systemctl --no-pager status systemd-journal-remote.socket \
		systemd-journal-remote.service systemd-journal-upload.service
	ls -la /var/log/journal/remote
	return 1
}
check "systemd-journal-upload sends it to systemd-journal-remote on 127.0.0.1" remote

# A second kernel: DKMS builds for it when it is installed.
k612=$(ls /opt/varmon/kernel-6.12/linux-image-6.12*.deb | head -n 1)
r612=$(dpkg-deb -f "$k612" Package | sed 's/^linux-image-//')
kernel2() {
	timed apt-get install -y /opt/varmon/kernel-6.12/*.deb
}
check "installing the 6.12 kernel and headers ($r612) works offline" kernel2
check "DKMS built and installed the module for $r612" \
	sh -c "dkms status variable_monitor | grep '$r612.*installed' &&
		ls /lib/modules/$r612/updates/dkms/variable_monitor.ko*"

# Remove and purge: nothing of ours may be left.
dpkg -L $pkgs 2>/dev/null | sort -u >"$state/files"
removed() {
	systemctl stop $unit && modprobe -r variable_monitor &&
		rm -f /etc/modules-load.d/variable_monitor.conf &&
		apt-get remove -y $pkgs
}
check "apt remove stops the collector and removes the packages" removed
gone_after_remove() {
	left=$(ls /lib/modules/*/updates/dkms/variable_monitor.ko* /usr/src/variable_monitor-* \
		/var/lib/dkms/variable_monitor /usr/bin/ucli /lib/systemd/system/$unit \
		/lib/udev/rules.d/6?-variable_monitor*.rules /dev/variable_monitor 2>/dev/null)
	[ -z "$left" ] || { echo "left: $left"; return 1; }
}
check "after apt remove: no module for any kernel, no DKMS tree, ucli, unit, rules or device" \
	gone_after_remove
check "apt purge removes the configuration" apt-get purge -y $pkgs
gone_after_purge() {
	status=0
	if getent group varmon; then echo "group varmon is left"; status=1; fi
	for f in /etc/variable_monitor /etc/modprobe.d/variable_monitor.conf \
		/etc/systemd/system/dev-variable_monitor.device.wants \
		/var/lib/systemd/deb-systemd-helper-enabled/$unit.dsh-also; do
		if [ -e "$f" ]; then echo "left: $f"; status=1; fi
	done
	while read -r f; do
		if [ -f "$f" ] || [ -L "$f" ]; then echo "left: $f"; status=1; fi
	done <"$state/files"
	if dpkg -l $pkgs 2>/dev/null | grep -E '^(ii|rc)'; then status=1; fi
	return $status
}
check "after apt purge: no group, no file of the packages, no configuration" gone_after_purge
finish
