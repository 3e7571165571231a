# towerwatch build: every service under its own folder with a module.mk fragment,
# one common library, unit tests mirroring the source tree, integration tests in pytest.
#
#   make            build every binary into build/bin/
#   make run        install what is missing, build, start the local stack
#   make test       install what tests need, build, run the whole suite
#   make asan|tsan  sanitizer builds into build/asan, build/tsan
#   make bench      benchmarks (never part of make test)
#   make fuzz       every libFuzzer harness of tests/fuzz for FUZZ_SECONDS (60) each

BUILD   ?= build
SAN     ?=
PYTHON  ?= /usr/bin/python3
PKG_CONFIG := PKG_CONFIG_PATH=$(CURDIR)/mk/pkgconfig:$(PKG_CONFIG_PATH) pkg-config

PKGS     := hiredis libcjson civetweb
# $(call tw_lazy,VAR,command): VAR runs the shell command the first time it is used and
# keeps its output, so pkg-config runs only when something is compiled or linked (never
# before `make run` or `make test` has installed the -dev packages).
tw_lazy = $(eval $(1) = $$(eval $(1) := $$$$(shell $(2)))$$($(1)))
# librdkafka: only the services with a Kafka path link it (module.mk passes RDKAFKA_LIBS).
$(call tw_lazy,RDKAFKA_LIBS,$(PKG_CONFIG) --libs rdkafka)
$(call tw_lazy,PKG_CFLAGS,$(PKG_CONFIG) --cflags $(PKGS) rdkafka)
$(call tw_lazy,PKG_LIBS,$(PKG_CONFIG) --libs $(PKGS))
CC       ?= cc
# The common library has two halves: contract/ (what another service or a user relies on:
# the report record, the JSON API's encoders, the quantile sketch and its wire codec) and
# plumbing/ (logging, options, HTTP, Redis, Kafka, metrics, tracing...). Services include
# either by file name.
COMMON_DIRS     := common/contract common/plumbing
COMMON_INCLUDES := $(addprefix -I,$(COMMON_DIRS))
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
CFLAGS   = -std=c17 -D_GNU_SOURCE -g -pthread $(WARN) $(COMMON_INCLUDES) $(PKG_CFLAGS)
LDLIBS   = $(PKG_LIBS) -lm -pthread
OPT      := -O2

ifeq ($(SAN),asan)
  OPT    := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
endif
# libFuzzer harnesses (tests/fuzz): clang with every object instrumented for coverage.
ifeq ($(SAN),fuzz)
  CC     := clang-14
  OPT    := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),tsan)
  OPT    := -O1 -fno-omit-frame-pointer -fsanitize=thread
  LDFLAGS += -fsanitize=thread
endif
CFLAGS += $(OPT)

BIN := $(BUILD)/bin
LIB := $(BUILD)/lib
OBJ := $(BUILD)/obj

BINARIES :=
SERVICE_DIRS :=
UNIT_TESTS :=

.PHONY: all clean run test unit integration asan tsan bench deps-build deps-test lint format tests-build fuzz fuzz-build fuzz-harnesses
all:

# $(call tw_objs,dir,sources) -> object paths under $(OBJ)
tw_objs = $(patsubst %.c,$(OBJ)/%.o,$(2))
# $(call tw_rwildcard,dir,pattern) -> every file under dir (subfolders too) matching pattern
tw_rwildcard = $(foreach d,$(wildcard $(1)/*),$(call tw_rwildcard,$(d),$(2))) $(filter $(subst *,%,$(2)),$(wildcard $(1)/$(2)))

# A folder and each of its subfolders as -I flags (a service's modules include one
# another by bare name wherever they live in it).
tw_include_dirs = $(addprefix -I,$(shell find $(1) -name node_modules -prune -o -type d -print | sort))

# $(call tw_service,name,dir,extra-libs): lib<dir>.a from every .c under dir (subfolders
# included) but dir/main.c, and $(BIN)/<name> from dir/main.c linked with it and the common
# library.
define tw_service
$(2)_SRCS := $$(filter-out $(2)/main.c %/node_modules/%,$$(sort $$(call tw_rwildcard,$(2),*.c)))
$(2)_INCLUDES := $$(call tw_include_dirs,$(2))
$(OBJ)/$(2)/%.o: CFLAGS += $$($(2)_INCLUDES)
$(2)_LIBA := $(LIB)/lib$(2).a
$(2)_EXTRA_LIBS = $(3)
$$($(2)_LIBA): $$(call tw_objs,$(2),$$($(2)_SRCS))
	@mkdir -p $$(@D)
	$$(AR) rcs $$@ $$^
$(BIN)/$(1): $(OBJ)/$(2)/main.o $$($(2)_LIBA) $(LIB)/libcommon.a
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $(3) $$(LDLIBS)
BINARIES += $(BIN)/$(1)
SERVICE_DIRS += $(2)
endef

COMMON_SRCS := $(foreach d,$(COMMON_DIRS),$(wildcard $(d)/*.c))
$(LIB)/libcommon.a: $(call tw_objs,common,$(COMMON_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

include $(sort $(wildcard */module.mk))

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests mirror the source tree: tests/unit/<dir>/[<sub>/]test_<module>.c links lib<dir>.a
# (when <dir> is a service) and common.
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c tests/unit/*/*/test_*.c)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
unit_dir = $(word 1,$(subst /, ,$(1)))
.SECONDEXPANSION:
$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $$(if $$(filter-out common,$$(call unit_dir,$$*)),$(LIB)/lib$$(call unit_dir,$$*).a) $(LIB)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/unit -I$(call unit_dir,$*) $($(call unit_dir,$*)_INCLUDES) $(LDFLAGS) -o $@ $(filter %.c %.a,$^) $($(call unit_dir,$*)_EXTRA_LIBS) $(LDLIBS)

# Benchmark programs: bench/*.c link the analytics library, common and ck (ck_ring).
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
$(BUILD)/bench/%: bench/%.c $(LIB)/libanalytics.a $(LIB)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(analytics_INCLUDES) $(shell $(PKG_CONFIG) --cflags ck) -o $@ $(filter %.c %.a,$^) $(shell $(PKG_CONFIG) --libs ck) $(LDLIBS)
bench-build: all $(BENCH_BINS)

# Fuzz harnesses: tests/fuzz/<dir>/fuzz_<name>.c links lib<dir>.a (when <dir> is a service)
# and common, with libFuzzer's main; built only in the SAN=fuzz build (build/fuzz).
FUZZ_SRCS := $(wildcard tests/fuzz/*/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/tw_fuzz.h $$(wildcard tests/fuzz/$$(call unit_dir,$$*)/*.h) $$(if $$(filter-out common,$$(call unit_dir,$$*)),$(LIB)/lib$$(call unit_dir,$$*).a) $(LIB)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/fuzz -I$(call unit_dir,$*) $($(call unit_dir,$*)_INCLUDES) $(LDFLAGS) -fsanitize=fuzzer -o $@ $(filter %.c %.a,$^) $($(call unit_dir,$*)_EXTRA_LIBS) $(LDLIBS)
fuzz-harnesses: $(FUZZ_BINS)
fuzz-build:
	$(MAKE) BUILD=build/fuzz SAN=fuzz fuzz-harnesses

all: $(BINARIES)
tests-build: all $(UNIT_TESTS)

unit: tests-build
	@set -e; pass=0; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; pass=$$((pass+1)); done; \
	echo "unit: $$pass test programs passed"

integration: all
	TW_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider tests/integration $(PYTEST_ARGS)

asan:
	$(MAKE) BUILD=build/asan SAN=asan tests-build
# The ring buffer's two-thread stress test under ThreadSanitizer.
TSAN_TESTS := tests/analytics/test_spsc_ring
tsan:
	$(MAKE) BUILD=build/tsan SAN=tsan $(addprefix build/tsan/,$(TSAN_TESTS))
	@set -e; for t in $(TSAN_TESTS); do build/tsan/$$t; done

deps-build:
	@mk/install-deps build
deps-test:
	@mk/install-deps test
deps-bench:
	@mk/install-deps bench

test: deps-test
	@mk/run-tests

# FUZZ_SECONDS per harness (default 60); FUZZ_ONLY=name limits the run to one harness.
fuzz: deps-test
	@$(MAKE) -s -j$$(nproc) fuzz-build
	@tests/fuzz/run $(or $(FUZZ_SECONDS),60)

# A running stack (or a taken port) is reported before anything is built; the build runs
# in a fresh make, so pkg-config sees the packages deps-build has just installed.
run: export TW_BUILD := $(abspath $(BUILD))
run: deps-build
	@mk/run-local check
	@$(MAKE) -s --no-print-directory all
	@mk/run-local

bench: deps-bench bench-build
	@bench/run

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --suppress=missingIncludeSystem --inline-suppr $(COMMON_INCLUDES) common $(SERVICE_DIRS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
