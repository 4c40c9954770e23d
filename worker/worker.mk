# Builds orderhooks-worker and orderhooks-admin (plain C11 + libpq).
# (Filled in by the worker work; see worker/README or docs/worker.md.)

BIN_DIR := $(BUILD)/bin

worker:
	@mkdir -p $(BIN_DIR)

-include worker/admin.mk
