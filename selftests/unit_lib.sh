# SPDX-License-Identifier: GPL-2.0
# Starting a systemd unit of Type=notify as systemd does, in a guest with
# no systemd (sourced after lib.sh): the lines are read from the unit file
# the build installed (unit_parse.awk), never restated here.
#   - the environment: a clean one (systemd's PATH), then Environment=,
#     then each EnvironmentFile= in order ("-": may be missing), later
#     assignments winning, then NOTIFY_SOCKET;
#   - each ExecStartPre= in order, a failure failing the start ("-": not);
#   - ExecStart= as the main process, "$VAR" split into words;
#   - the start completes with READY=1 from the main process on
#     NOTIFY_SOCKET (snap_notify, which stops the daemon right there), and
#     fails if the main process exits first;
#   - stop is SIGTERM to the main process (KillSignal's default).
# A [Service] key outside UNIT_KEYS, a prefix other than "-", specifiers
# and the like make unit_start fail: such a unit needs a runner that
# reproduces them first.

UNIT_KEYS="Type Environment EnvironmentFile ExecStartPre ExecStart Restart RestartSec"
UNIT_PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
UNIT_NOTIFY=/run/snap_notify.sock
# systemd's TimeoutStartSec default.
UNIT_START_TIMEOUT=90

# unit_values UNIT KEY: the values of KEY= in [Service], one a line.
unit_values() {
	awk -v mode=service -v key="$2" -v keys="$UNIT_KEYS" -f ./unit_parse.awk "$1"
}

# unit_env UNIT OUT: the service's environment, KEY=VALUE lines, into OUT.
unit_env() {
	echo "PATH=$UNIT_PATH" >"$2"
	unit_values "$1" Environment >/tmp/unit.envlines || return 1
	while IFS= read -r _l; do
		echo "$_l" | awk -v mode=assign -f ./unit_parse.awk >>"$2" || return 1
	done </tmp/unit.envlines
	unit_values "$1" EnvironmentFile >/tmp/unit.envfiles || return 1
	while IFS= read -r _f; do
		case $_f in
		-*) _f=${_f#-}; [ -e "$_f" ] || continue ;;
		esac
		[ -r "$_f" ] || { echo "EnvironmentFile=$_f: missing"; return 1; }
		awk -v mode=envfile -f ./unit_parse.awk "$_f" >>"$2" || return 1
	done </tmp/unit.envfiles
	echo "NOTIFY_SOCKET=$UNIT_NOTIFY" >>"$2"
}

# unit_with_env ENV CMD...: CMD with exactly ENV's variables (KEY=VALUE
# lines, each passed whole to env -i).
unit_with_env() {
	_envf=$1
	shift
	_n=$#
	while IFS= read -r _kv; do set -- "$@" "$_kv"; done <"$_envf"
	# The command's words go after the assignments.
	while [ $_n -gt 0 ]; do
		_a=$1
		shift
		set -- "$@" "$_a"
		_n=$((_n - 1))
	done
	exec env -i "$@"
}

# unit_argv LINE ENV OUT: the argv of an Exec line (prefix stripped) into
# OUT, one word a line, with ENV's variables; UNIT_IGNORE=1 for "-".
unit_argv() {
	_line=$1 UNIT_IGNORE=0
	case $_line in
	-*) _line=${_line#-}; UNIT_IGNORE=1 ;;
	[@:+!]*) echo "prefix '${_line%%/*}' is not reproduced: $1"; return 1 ;;
	esac
	echo "$_line" | (unit_with_env "$2" awk -v mode=exec -f ./unit_parse.awk) >"$3" ||
		return 1
	case $(head -1 "$3") in
	/*) return 0 ;;
	esac
	echo "not an absolute path: $1"
	return 1
}

# unit_exec ENV ARGV: execs ARGV's words (one a line) with exactly ENV's
# variables.
unit_exec() {
	_env=$1 _argv=$2
	set --
	while IFS= read -r _w; do set -- "$@" "$_w"; done <"$_argv"
	unit_with_env "$_env" "$@"
}

# A process that has not exited (a zombie has; a stopped one has not).
unit_alive() {
	[ -e "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"
}

# unit_start UNIT: starts it. 0 when READY=1 came from the main process,
# which is then stopped (SIGSTOP by snap_notify: kill -CONT $UNIT_PID
# once the state at READY=1 is checked); 1 when the start failed, with
# the reason in UNIT_WHY and the main process's exit status in
# UNIT_STATUS. The main process's output goes to /tmp/unit.out (the
# journal).
unit_start() {
	UNIT_PID="" UNIT_STATUS="" UNIT_WHY=""
	_type=$(unit_values "$1" Type) || { UNIT_WHY="unit: $(unit_values "$1" Type 2>&1)"; return 1; }
	[ "$_type" = notify ] || { UNIT_WHY="Type=$_type: this runner does Type=notify only"; return 1; }
	_err=$(unit_env "$1" /tmp/unit.env 2>&1) || { UNIT_WHY="environment: $_err"; return 1; }

	unit_values "$1" ExecStartPre >/tmp/unit.pre
	while IFS= read -r _l; do
		# Not in $(...): UNIT_IGNORE must reach this shell.
		unit_argv "$_l" /tmp/unit.env /tmp/unit.argv >/tmp/unit.err 2>&1 ||
			{ UNIT_WHY="ExecStartPre=$_l: $(cat /tmp/unit.err)"; return 1; }
		echo "ExecStartPre: $(tr '\n' ' ' </tmp/unit.argv)"
		(unit_exec /tmp/unit.env /tmp/unit.argv) >>/tmp/unit.out 2>&1 </dev/null
		_rc=$?
		[ $_rc = 0 ] || [ $UNIT_IGNORE = 1 ] ||
			{ UNIT_WHY="ExecStartPre=$_l exited $_rc"; return 1; }
	done </tmp/unit.pre

	_l=$(unit_values "$1" ExecStart)
	[ "$(echo "$_l" | wc -l)" = 1 ] || { UNIT_WHY="ExecStart= must be one line (Type=notify)"; return 1; }
	unit_argv "$_l" /tmp/unit.env /tmp/unit.argv >/tmp/unit.err 2>&1 ||
		{ UNIT_WHY="ExecStart=$_l: $(cat /tmp/unit.err)"; return 1; }
	echo "ExecStart: $(tr '\n' ' ' </tmp/unit.argv)"

	rm -f /tmp/unit.notify
	snap_notify --stop $UNIT_NOTIFY >/tmp/unit.notify 2>&1 &
	_listener=$!
	wait_for_socket $UNIT_NOTIFY || { UNIT_WHY="snap_notify did not bind $UNIT_NOTIFY"; return 1; }
	(unit_exec /tmp/unit.env /tmp/unit.argv) >>/tmp/unit.out 2>&1 </dev/null &
	UNIT_PID=$!

	_n=$((UNIT_START_TIMEOUT * 10))
	while [ $_n -gt 0 ]; do
		if grep -q 'READY=1' /tmp/unit.notify 2>/dev/null; then
			wait $_listener 2>/dev/null
			_from=$(sed -n 's/^pid=\([0-9-]*\) .*READY=1.*/\1/p' /tmp/unit.notify)
			[ "$_from" = "$UNIT_PID" ] && return 0
			UNIT_WHY="READY=1 from pid $_from, not the main process $UNIT_PID (NotifyAccess=main ignores it)"
			kill -CONT "$_from" 2>/dev/null
			return 1
		fi
		if ! unit_alive $UNIT_PID; then
			wait $UNIT_PID
			UNIT_STATUS=$?
			UNIT_PID=""
			kill $_listener 2>/dev/null
			wait $_listener 2>/dev/null
			grep -q 'READY=1' /tmp/unit.notify &&
				{ UNIT_WHY="exited $UNIT_STATUS right after READY=1"; return 1; }
			UNIT_WHY="the main process exited with $UNIT_STATUS before READY=1"
			return 1
		fi
		usleep 100000
		_n=$((_n - 1))
	done
	kill $_listener 2>/dev/null
	UNIT_WHY="no READY=1 within TimeoutStartSec=${UNIT_START_TIMEOUT}s"
	return 1
}

# unit_stop: what systemctl stop does to it: SIGTERM, then its exit
# status in UNIT_STATUS.
unit_stop() {
	[ -n "$UNIT_PID" ] || return 0
	kill -CONT "$UNIT_PID" 2>/dev/null
	kill -TERM "$UNIT_PID"
	wait "$UNIT_PID"
	UNIT_STATUS=$?
	UNIT_PID=""
}

wait_for_socket() {
	_n=50
	while [ $_n -gt 0 ]; do
		[ -S "$1" ] && return 0
		usleep 100000
		_n=$((_n - 1))
	done
	return 1
}
