# Unit tests of the nginx-free core (cmocka): one binary per
# tests/unit/test_*.c, each linked with the core objects.
#
#   make unit                      build and run them all
#   make unit OH_VECTORS=<file>    another signature vectors file
#   make SANITIZE=1 unit           the same under ASan + UBSan

OH_VECTORS   ?= $(CURDIR)/../shared/vectors/signatures.json

UNIT_DIR     := $(BUILD)/tests
UNIT_SRCS    := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS    := $(UNIT_SRCS:tests/unit/%.c=$(UNIT_DIR)/%)
UNIT_HELPERS := $(UNIT_DIR)/unit_vectors.o
UNIT_LIBS    := $(CORE_LIBS) -lcmocka

unit: $(UNIT_BINS)
	@failed=0; \
	for t in $(UNIT_BINS); do \
	    OH_VECTORS='$(OH_VECTORS)' $$t || failed=$$((failed + 1)); \
	done; \
	if [ $$failed -ne 0 ]; then \
	    echo "unit: $$failed test binary(ies) failed"; exit 1; \
	fi; \
	echo "unit: all $(words $(UNIT_BINS)) test binaries passed"

$(UNIT_DIR)/unit_vectors.o: tests/unit/unit_vectors.c \
                            tests/unit/unit_vectors.h $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -c -o $@ $<

$(UNIT_DIR)/test_%: tests/unit/test_%.c tests/unit/unit_vectors.h \
                    $(UNIT_HELPERS) $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CORE_CFLAGS) -o $@ $< $(UNIT_HELPERS) $(CORE_OBJS) \
	    $(CORE_LDFLAGS) $(UNIT_LIBS)

# Objects reached only through the pattern rule above are not intermediate.
.SECONDARY: $(CORE_OBJS) $(UNIT_HELPERS)
