# libFuzzer targets for the parsers of untrusted input in core/ (see
# docs/fuzzing.md).  Included from the top-level Makefile.
#
#   make fuzz-build                  build every target into build/fuzz/bin
#   make fuzz-smoke                  replay fuzz/regressions/, then run each
#                                    target FUZZ_SMOKE_TIME (20) seconds
#   make fuzz FUZZ_TIME=3600         a long run: FUZZ_TIME seconds a target
#   make fuzz FUZZ_TARGETS=sig       ... of some targets only
#   make fuzz-seeds                  regenerate fuzz/corpus/ (fuzz/make-seeds)

FUZZ_CC         ?= clang
FUZZ_BUILD      := $(CURDIR)/build/fuzz
FUZZ_SAN        := -fsanitize=address,undefined -fno-sanitize-recover=all \
                   -fno-omit-frame-pointer
FUZZ_CFLAGS     := -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Wall -Wextra \
                   -Werror -O1 -g -I$(CURDIR)/core -I$(PG_INCDIR) \
                   $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_ALL        := $(sort $(patsubst fuzz/fuzz_%.c,%,\
                                $(wildcard fuzz/fuzz_*.c)))
FUZZ_TARGETS    ?= $(FUZZ_ALL)
FUZZ_BINS       := $(FUZZ_ALL:%=$(FUZZ_BUILD)/bin/fuzz_%)
FUZZ_CORE_OBJS  := $(CORE_SRCS:core/%.c=$(FUZZ_BUILD)/core/%.o)
FUZZ_HELPERS    := $(FUZZ_BUILD)/harness_request.o
FUZZ_SMOKE_TIME ?= 20
FUZZ_TIME       ?= 600
FUZZ_VECTORS    ?= $(CURDIR)/../shared/vectors/signatures.json
FUZZ_FORMATS    ?= $(CURDIR)/../shared/formats

.PHONY: fuzz-build fuzz-smoke fuzz fuzz-seeds

fuzz-build: $(FUZZ_BINS)

fuzz-smoke: fuzz-build
	fuzz/run-fuzzers --time $(FUZZ_SMOKE_TIME) $(FUZZ_TARGETS)

fuzz: fuzz-build
	fuzz/run-fuzzers --time $(FUZZ_TIME) $(FUZZ_TARGETS)

fuzz-seeds:
	fuzz/make-seeds --vectors $(FUZZ_VECTORS) --formats $(FUZZ_FORMATS)

$(FUZZ_BUILD)/core/%.o: core/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/%.o: fuzz/%.c fuzz/harness_request.h $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/bin/fuzz_%: $(FUZZ_BUILD)/fuzz_%.o $(FUZZ_HELPERS) \
                          $(FUZZ_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_HELPERS) \
	    $(FUZZ_CORE_OBJS) $(CORE_LIBS)

.SECONDARY: $(FUZZ_CORE_OBJS) $(FUZZ_HELPERS) \
            $(FUZZ_ALL:%=$(FUZZ_BUILD)/fuzz_%.o)
