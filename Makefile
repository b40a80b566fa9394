# SPDX-License-Identifier: GPL-2.0
#
# snap top-level build. `make` builds the module and all userspace;
# `make check` runs every test layer; `make demo` boots the guest and shows
# the emulated devices. See README.md.

SNAP_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
# The kernel the module is built for (and the test guest boots): the
# running one when its headers are installed, else the newest installed
# image and headers pair (scripts/kver.sh); `make KVER=...` picks one.
# Found when first used, not when this file is read: deps may install
# the headers first. Recipes pass it on to the scripts they run.
KVER ?= $(eval KVER := $(shell scripts/kver.sh 2>/dev/null))$(KVER)
KDIR ?= /usr/src/linux-headers-$(KVER)
KVER_GIVEN := $(if $(filter command line environment%,$(origin KVER)),--given)
B := build
# Plain `make` builds everything, whatever rule comes first below.
.DEFAULT_GOAL := all

CC ?= gcc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS ?= -O2 -g
# Debian's layout by default; PREFIX=/usr/local and DESTDIR work (install).
PREFIX ?= /usr
# Backend plugins named without a path are looked for here.
PLUGINDIR ?= $(PREFIX)/lib/snap/plugins
SNAP_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude/uapi -Iinclude -Iuserspace/lib \
	-Iuserspace/snap_service \
	-DSNAP_VERSION='"$(SNAP_VERSION)"' -DSNAP_PLUGIN_DIR='"$(PLUGINDIR)"' \
	$(CPPFLAGS) $(CFLAGS)
# Unit tests always run under the sanitizers.
TEST_CFLAGS := $(SNAP_CFLAGS) -O1 -fsanitize=address,undefined \
	-fno-omit-frame-pointer -fno-sanitize-recover=all -DSNAP_FAULT_INJECT

NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null || echo -lnl-genl-3 -lnl-3)
SNAP_CFLAGS += $(NL_CFLAGS)
TEST_CFLAGS += $(NL_CFLAGS)

LIB_SRCS := $(wildcard userspace/lib/*.c)
SNAPADM_SRCS := $(wildcard userspace/snapadm/*.c)
# Everything of snapadm but main() is also linked into its unit tests.
SNAPADM_LIB_SRCS := $(filter-out userspace/snapadm/snapadm.c,$(SNAPADM_SRCS))
SNAPADM_LIBS := $(NL_LIBS) -lkmod
# bdev_nvme_attach_controller lists a target's namespaces with the daemon's
# NVMe-oF initiator (its unit tests link all of the daemon anyway).
SNAPADM_NVMF_SRCS := $(addprefix userspace/snap_service/,ioloop.c log.c iostats.c \
	bdev/bdev.c bdev/bdev_nvmf.c bdev/nvmf_tcp.c bdev/nvmf_rdma.c bdev/crc32c.c)
# The NVMe/RDMA initiator's rdma-core.
RDMA_LIBS := -lrdmacm -libverbs
# The daemon: everything but its main() is also linked into the unit tests.
SERVICE_SRCS := $(wildcard userspace/snap_service/*.c userspace/snap_service/*/*.c)
SERVICE_LIB_SRCS := $(filter-out userspace/snap_service/snap_service.c,$(SERVICE_SRCS))
# The NVMe and virtio engines with the in-process host and the RAM backends:
# what the fuzz targets link (no io_uring, no /dev/snap).
ENGINE_SRCS := $(wildcard userspace/snap_service/nvme/*.c) \
	$(wildcard userspace/snap_service/virtio/*.c) \
	$(addprefix userspace/snap_service/,host_inproc.c iostats.c log.c bdev/bdev.c \
	bdev/bdev_null.c bdev/bdev_malloc.c)
TEST_SRCS := $(wildcard userspace/tests/test_*.c)
TESTS := $(patsubst userspace/tests/%.c,$(B)/tests/%,$(TEST_SRCS))

# Helper programs the VM selftests run (selftests/*.c), raw netlink via libmnl.
SELFTEST_BINS := $(patsubst selftests/%.c,$(B)/bin/%,$(wildcard selftests/*.c))
# The data-path test helper also drives io_uring and runs a daemon thread.
$(B)/bin/snap_dptest: SELFTEST_LIBS := -luring -lpthread
# The raw netlink tester knows the family from the tables generated from snap.yaml.
$(B)/bin/snap_nlraw: SELFTEST_OBJS := $(B)/obj/lib/nl-gen.o
$(B)/bin/snap_nlraw: $(B)/obj/lib/nl-gen.o
# The ABI fuzzer sends uring_cmds and composes requests from the same tables.
$(B)/bin/snap_abifuzz: SELFTEST_OBJS := $(B)/obj/lib/nl-gen.o
$(B)/bin/snap_abifuzz: SELFTEST_LIBS := -luring
$(B)/bin/snap_abifuzz: $(B)/obj/lib/nl-gen.o
# Test-only module the data-path selftests bind as the emulated function's host.
TESTHOST := selftests/snap_testhost

# The NVMe engine's cost per command, in process (userspace/bench/).
BENCH_BINS := $(patsubst userspace/bench/%.c,$(B)/bin/%,$(wildcard userspace/bench/*.c))

# The daemon with fault points (userspace/snap_service/fault.h): the VM
# tests kill it at exact places to prove a successor takes over cleanly.
FAULT_SERVICE := $(B)/bin/snap_service-fault

# What `make install` installs.
PROGS := $(B)/bin/snapadm $(B)/bin/snap_service

# Backend plugins (include/snap/plugin.h), one folder each under
# userspace/plugins/; built against the public header alone, as a plugin
# from outside would be. The unit tests' broken plugins are built the same.
PLUGINS := $(patsubst userspace/plugins/%/,$(B)/plugins/%.so,\
	$(sort $(dir $(wildcard userspace/plugins/*/*.c))))
TEST_PLUGINS := $(patsubst userspace/tests/plugins/%.c,$(B)/tests/plugins/%.so,\
	$(wildcard userspace/tests/plugins/*.c))
PLUGIN_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude -fPIC -shared $(CPPFLAGS) $(CFLAGS) \
	$(LDFLAGS)

BINS := $(PROGS) $(FAULT_SERVICE) $(SELFTEST_BINS) \
	$(BENCH_BINS) $(PLUGINS)

# libFuzzer targets (clang); `make fuzz` runs each for FUZZ_RUNS inputs.
FUZZ_CC ?= clang
FUZZ_RUNS ?= 5000
FUZZ_CFLAGS := $(filter-out -Werror,$(SNAP_CFLAGS)) -Werror -O1 -g \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BINS := $(patsubst userspace/fuzz/%.c,$(B)/fuzz/%,\
	$(wildcard userspace/fuzz/fuzz_*.c))

# The netlink family's code is generated from its spec by scripts/nlgen.py:
# the uapi enums, the kernel's policies, userspace's attribute and command
# tables. The results are committed, so the module builds from a tarball
# without Python; they are remade when the spec or the generator changes,
# and make check fails when a committed one is out of date.
NL_SPEC := Documentation/netlink/specs/snap.yaml
NL_GEN := include/uapi/linux/snap_nl_gen.h kmod/genl-gen.h kmod/genl-gen.c \
	userspace/lib/nl-gen.h userspace/lib/nl-gen.c

# Keep objects make would otherwise delete as intermediates.
.SECONDARY:

.PHONY: all modules userspace tests deps build-after-deps check unit kunit \
	vmtest vmshell demo check-debug check-kernels check-fresh check-soak \
	checkpatch clean fuzz fuzz-bins bench-native nlgen nlgen-list check-nlgen \
	progs install deb check-packages check-doc-examples

all: modules userspace

# The installed programs alone: what packaging builds (no module, no tests).
progs: $(PROGS) $(PLUGINS)

# Units stay under /lib on Debian 12 (no files moved to /usr before
# trixie). The module source for DKMS is installed only by the snap-dkms
# package (make deb). Files under /etc are installed only when absent:
# they are the admin's.
SBINDIR ?= $(PREFIX)/sbin
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib,$(PREFIX)/lib)/systemd/system
MODLOADDIR ?= $(PREFIX)/lib/modules-load.d
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions

install: progs
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man4 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(MODLOADDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(SYSCONFDIR)/default $(DESTDIR)$(SYSCONFDIR)/nvda_snap
	install -m 755 $(PROGS) $(DESTDIR)$(SBINDIR)/
	install -d $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(INCLUDEDIR)/snap
	install -m 644 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	install -m 644 include/snap/plugin.h $(DESTDIR)$(INCLUDEDIR)/snap/
	install -m 644 Documentation/man/snap.4 $(DESTDIR)$(MANDIR)/man4/
	install -m 644 Documentation/man/snapadm.8 Documentation/man/snap_service.8 \
		$(DESTDIR)$(MANDIR)/man8/
	sed 's|@SBINDIR@|$(SBINDIR)|g' dist/snap_service.service.in \
		>$(DESTDIR)$(UNITDIR)/snap_service.service
	chmod 644 $(DESTDIR)$(UNITDIR)/snap_service.service
	install -m 644 dist/modules-load.conf $(DESTDIR)$(MODLOADDIR)/snap.conf
	install -m 644 dist/snapadm.bash-completion $(DESTDIR)$(BASHCOMPDIR)/snapadm
	test -e $(DESTDIR)$(SYSCONFDIR)/default/snap_service || \
		install -m 644 dist/snap_service.default $(DESTDIR)$(SYSCONFDIR)/default/snap_service
	test -e $(DESTDIR)$(SYSCONFDIR)/nvda_snap/snap_rpc_init.conf || \
		install -m 644 dist/snap_rpc_init.conf $(DESTDIR)$(SYSCONFDIR)/nvda_snap/

# Tests put a stand-in here (scripts/test-deps-order.sh).
SNAP_DEPS ?= scripts/deps.sh

deps:
	@$(SNAP_DEPS)

# deps may install libnl, the kernel headers, ... that this make's values
# (NL_CFLAGS, KVER, ...) were computed without, when the Makefile was read.
# So what needs them is built by a new make, started once deps is done.
BUILD_AFTER_DEPS ?= all
build-after-deps: deps
	@$(MAKE) --no-print-directory $(BUILD_AFTER_DEPS)

# Without python3-yaml the committed files are used as they are.
$(NL_GEN) &: $(NL_SPEC) scripts/nlgen.py
	@if python3 -c 'import yaml' 2>/dev/null; then \
		echo "  NLGEN   $(NL_SPEC)"; \
		python3 scripts/nlgen.py && touch $(NL_GEN); \
	else \
		echo "nlgen: no python3-yaml; using the generated files as committed" >&2; \
	fi

nlgen: $(NL_GEN)

nlgen-list:
	@echo $(NL_GEN)

# The committed generated files against a fresh run of the generator.
# Every example block of README.md and Documentation/*.md is run by a
# selftest or marked not runnable with the reason (make check runs it too).
check-doc-examples:
	@scripts/check-doc-examples.sh

check-nlgen:
	@scripts/nlgen-check.sh

modules: $(NL_GEN)
	@test -n "$(KVER)" || { echo "no kernel headers; run scripts/deps.sh"; exit 1; }
	@scripts/kver.sh --say "$(KVER)" $(KVER_GIVEN)
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(TESTHOST) modules

userspace: $(BINS) $(TEST_PLUGINS)

$(B)/obj/%.o: userspace/%.c | $(NL_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(SNAP_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/fobj/%.o: userspace/%.c | $(NL_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(SNAP_CFLAGS) -DSNAP_FAULT_INJECT -MMD -MP -c -o $@ $<

$(B)/tobj/%.o: userspace/%.c | $(NL_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -MMD -MP -c -o $@ $<

.SECONDEXPANSION:
$(B)/plugins/%.so: $$(wildcard userspace/plugins/$$*/*.c) include/snap/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $(filter %.c,$^)

$(B)/tests/plugins/%.so: userspace/tests/plugins/%.c userspace/tests/plugins/common.h \
		include/snap/plugin.h
	@mkdir -p $(dir $@)
	$(CC) $(PLUGIN_CFLAGS) -o $@ $<

$(B)/bin/snapadm: $(patsubst userspace/%.c,$(B)/obj/%.o,$(SNAPADM_SRCS) $(LIB_SRCS) \
		  $(SNAPADM_NVMF_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(SNAP_CFLAGS) $(LDFLAGS) -o $@ $^ $(SNAPADM_LIBS) $(RDMA_LIBS) -luring -lpthread

$(B)/bin/snap_service: $(patsubst userspace/%.c,$(B)/obj/%.o,$(SERVICE_SRCS) $(LIB_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(SNAP_CFLAGS) $(LDFLAGS) -o $@ $^ $(NL_LIBS) $(RDMA_LIBS) -luring

$(FAULT_SERVICE): $(patsubst userspace/%.c,$(B)/fobj/%.o,$(SERVICE_SRCS) $(LIB_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(SNAP_CFLAGS) -o $@ $^ $(NL_LIBS) $(RDMA_LIBS) -luring

$(B)/bin/%: selftests/%.c | $(NL_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(SNAP_CFLAGS) -MMD -MP -o $@ $< $(SELFTEST_OBJS) -lmnl $(SELFTEST_LIBS)

$(B)/bin/bench_%: $(patsubst userspace/%.c,$(B)/obj/%.o,userspace/bench/bench_%.c $(ENGINE_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(SNAP_CFLAGS) -o $@ $^

# The native benchmark also times io_uring NOPs next to the engine.
$(B)/bin/bench_native: $(patsubst userspace/%.c,$(B)/obj/%.o,userspace/bench/bench_native.c $(ENGINE_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(SNAP_CFLAGS) -o $@ $^ -luring

# Engine vs io_uring NOP rate on one core, plus callgrind instructions per
# command; table on stdout, JSON in results/ (scripts/bench-native).
bench-native: $(B)/bin/bench_native
	@scripts/bench-native

$(B)/fuzz/%: userspace/fuzz/%.c $(ENGINE_SRCS) $(wildcard userspace/snap_service/*.h \
		userspace/snap_service/*/*.h) | $(NL_GEN)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(ENGINE_SRCS)

fuzz-bins: $(FUZZ_BINS)

# Bounded runs, TAP in build/results/fuzz.tap (make check runs this).
fuzz: fuzz-bins
	@scripts/run-fuzz.sh $(FUZZ_RUNS) $(FUZZ_BINS)

$(B)/tests/test_%: $(B)/tobj/tests/test_%.o \
		$(patsubst userspace/%.c,$(B)/tobj/%.o,$(LIB_SRCS) $(SNAPADM_LIB_SRCS) \
		$(SERVICE_LIB_SRCS))
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(TEST_LDFLAGS) -o $@ $^ -lcmocka $(SNAPADM_LIBS) $(RDMA_LIBS) -luring

# snapadm's hot-plug commands run against a stand-in kernel: the test
# replaces the netlink client, and the sleep between polls, at link time.
comma := ,
HOTPLUG_TEST_WRAPS := snap_nl_open snap_nl_close snap_nl_request snap_nl_transact \
	snap_nl_last_error usleep
$(B)/tests/test_snapadm_hotplug: TEST_LDFLAGS := \
	$(foreach f,$(HOTPLUG_TEST_WRAPS),-Wl$(comma)--wrap=$(f))

# The plugin loader's tests load real plugins, good and broken.
$(B)/tobj/tests/test_bdev_plugin.o: TEST_CFLAGS += -DSNAP_BUILD_DIR='"$(abspath $(B))"'
$(B)/tests/test_bdev_plugin: | $(PLUGINS) $(TEST_PLUGINS)

tests: $(TESTS)

# Userspace unit tests (cmocka, sanitizers), TAP in build/results/unit.tap.
unit: tests
	@scripts/run-unit.sh $(TESTS)

kunit:
	@scripts/kunit.sh

# One VM run of the selftests: `make vmtest T="test_load_01 ..."` (all when empty).
vmtest: all
	@scripts/vm/run.sh --tests "$(T)"

vmshell: all
	@scripts/vm/run.sh --shell

demo: build-after-deps
	@scripts/demo.sh

# One guest boot: fio on the emulated NVMe controller (null, malloc), NVMe/TCP
# loopback and null_blk, plus the control plane at scale; table, JSON and
# chart in results/bench-vm-<date>/ (scripts/bench-vm). Not part of check.
.PHONY: bench
bench: all
	@scripts/bench-vm

# Debian packages (snap, snap-dkms) with dpkg-buildpackage, from a copy of
# the tracked files in build/deb/, where the .debs, .dsc and .changes land.
# Needs the Build-Depends of debian/control (dpkg-checkbuilddeps says which).
DEB_VERSION = $(shell dpkg-parsechangelog -S Version)
deb:
	rm -rf $(B)/deb && mkdir -p $(B)/deb/snap-$(DEB_VERSION)
	git ls-files -z | tar --null -T - -cf - | tar -C $(B)/deb/snap-$(DEB_VERSION) -xf -
	cd $(B)/deb/snap-$(DEB_VERSION) && dpkg-checkbuilddeps && \
		dpkg-buildpackage -us -uc
	@ls $(B)/deb/*.deb

# check.sh and check-debug.sh build in makes of their own, after deps.
check: deps
	@scripts/check.sh

check-debug: deps
	@scripts/check-debug.sh

# The module on every installed kernel with headers (Debian 12's 6.1 and
# 6.12): a build without warnings, KUnit where that kernel's source is
# installed, the VM selftests in a guest booting it. SNAP_KERNELS and
# SNAP_VM_TESTS narrow it (scripts/check-kernels.sh).
check-kernels: deps
	@scripts/check-kernels.sh

# The long kill tests: 100 kills of snap_service under verified load on 2
# NVMe controllers and 2 I/O threads, and 50 on 2 virtio-blk controllers
# (selftests/soak_*_kill_01.sh, ~13 min).
check-soak: all
	@scripts/vm/run.sh --name vm-soak --tests "soak_nvme_kill_01 soak_vblk_kill_01" \
		--append snap.timeout=900 --timeout 1200 --tap build/results/soak.tap

# The README's two commands in a fresh Debian 12 root (debootstrap, chroot)
# from a clean clone of HEAD; ~45 min, not in CI.
check-fresh:
	@scripts/check-fresh.sh

# The Debian packages built and installed on fresh Debian 12 roots: DKMS
# builds the module for the installed headers, systemd-analyze verify,
# lintian, the unit's ExecStart; ~15 min, not in CI.
check-packages:
	@SNAP_PKG_KVER=$(KVER) scripts/check-packages.sh

checkpatch:
	@scripts/checkpatch.sh

clean:
	rm -rf $(B)
	$(if $(KVER),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(if $(KVER),$(MAKE) -C $(KDIR) M=$(CURDIR)/$(TESTHOST) clean)

-include $(shell find $(B) -name '*.d' -type f -not -path '$(B)/deb/*' 2>/dev/null)
